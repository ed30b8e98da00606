"""Accounts from the terminal: the first admin, API tokens for scripts."""

from __future__ import annotations

import sys

import click

from mapapp import accounts
from mapapp.cli import _app, _echo, _storage, main


@main.command(
    "create-user",
    help="職員のアカウントを作ります（パスワードは標準入力から）。"
    "例: mapapp create-user sato --role coordinator --area 1 --password-stdin",
)
@click.argument("login")
@click.option(
    "--role",
    required=True,
    help="admin（管理者）・coordinator（コーディネーター）・viewer（閲覧）",
)
@click.option("--area", "areas", multiple=True, help="担当区域（番号か名前。複数回指定できます）")
@click.option("--name", default="", help="表示名（省略時はログイン名）")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の1行目から読む（必須）")
def create_user(login: str, role: str, areas: tuple[str, ...], name: str, password_stdin: bool):
    if not password_stdin:
        raise accounts.AccountProblem(
            "パスワードは --password-stdin で標準入力から渡してください"
            "（コマンドラインに書くと履歴に残ります）"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    app = _app()
    storage = _storage(app)
    with storage.transaction() as session:
        chosen = accounts.parse_role(role)
        area_ids = accounts.find_areas(session, areas)
        if areas and chosen != accounts.Role.COORDINATOR:
            raise accounts.AccountProblem("担当区域はコーディネーターだけに指定できます")
        account = accounts.create_account(session, login, password, chosen, area_ids, name)
        label = accounts.ROLE_LABELS[chosen]
        _echo(f"アカウントを作りました: {account.login}（{label}）")


@main.command(
    "create-token",
    help="API のトークンを発行し、トークンだけを標準出力に書きます（再表示はできません）",
)
@click.argument("login")
@click.option("--days", type=int, default=None, help="有効日数（省略時は無期限）")
def create_token(login: str, days: int | None):
    app = _app()
    with _storage(app).transaction() as session:
        account = accounts.find_account(session, login)
        token = accounts.create_token(session, account, days)
    click.echo(token)


@main.command("revoke-tokens", help="そのアカウントの API トークンをすべて取り消します")
@click.argument("login")
def revoke_tokens(login: str):
    app = _app()
    with _storage(app).transaction() as session:
        count = accounts.revoke_tokens(session, accounts.find_account(session, login))
    _echo(f"{count} 件のトークンを取り消しました")


@main.command(
    "set-password",
    help="パスワードを設定し直します（標準入力の1行目から）。そのアカウントのログインは切れます",
)
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の1行目から読む（必須）")
def set_password(login: str, password_stdin: bool):
    if not password_stdin:
        raise accounts.AccountProblem("パスワードは --password-stdin で標準入力から渡してください")
    password = sys.stdin.readline().rstrip("\r\n")
    app = _app()
    with _storage(app).transaction() as session:
        account = accounts.find_account(session, login)
        accounts.set_password(session, account, password)
    _echo(f"パスワードを設定し直しました: {account.login}")
