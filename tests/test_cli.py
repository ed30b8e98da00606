"""The `mapapp` command's refusals: one Japanese message on stderr and exit status 2, never a
traceback, for every typed error staff can cause."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.resource_files import own_row, write_csv

BROKEN_TAXONOMY = """
[[group]]
code = "g"
label = "G"

[[kind]]
code = "salon"
label = "サロン"
group = "g"
symbol = "サ"
color = "#b3261e"

[[kind]]
code = "ibasho"
group = "g"
symbol = "居"
color = "#00aa00"
"""


def test_a_wrong_setting_is_one_message_and_exit_2(database_url, monkeypatch):
    monkeypatch.setenv("MAPAPP_API_PAGE_LIMIT", "many")
    result = run_cli(database_url, "init-db")
    assert result.returncode == 2
    assert "設定 MAPAPP_API_PAGE_LIMIT は整数で書いてください" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taxonomy_mistake_names_its_entry(database_url, tmp_path, monkeypatch):
    path = tmp_path / "taxonomy.toml"
    path.write_text(BROKEN_TAXONOMY, "utf-8")
    monkeypatch.setenv("MAPAPP_TAXONOMY_PATH", str(path))
    result = run_cli(database_url, "stats")
    assert result.returncode == 2
    assert '[[kind]] の 2 番目（code = "ibasho"）: label がありません' in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_file_exits_2(cli, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [own_row(緯度="北", 経度="東")])
    result = cli("import-resources", path)
    assert result.exit_code == 2
    assert "何も書き込んでいません" in result.output


def test_a_concurrent_edit_during_import_exits_2(cli, tmp_path, monkeypatch):
    from mapapp.importing import resources
    from mapapp.importing.writer import ConcurrentEdit

    def edited_meanwhile(*args, **kwargs):
        raise ConcurrentEdit(
            "取り込み中に別の人が同じ資源を変更しました。もう一度取り込んでください"
        )

    monkeypatch.setattr(resources, "import_resources", edited_meanwhile)
    result = cli("import-resources", write_csv(tmp_path / "ok.csv", [own_row()]))
    assert result.exit_code == 2
    assert "エラー: 取り込み中に別の人が同じ資源を変更しました" in result.output


@pytest.mark.parametrize("args", [["import-areas", "x.geojson"], ["nothing-such"]])
def test_usage_mistakes_exit_2_as_well(cli, args):
    assert cli(*args).exit_code == 2
