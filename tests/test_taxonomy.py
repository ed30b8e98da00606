"""The staff-editable taxonomy file and its checks."""

import pytest

from mapapp.taxonomy import TaxonomyError, load_taxonomy


def test_shipped_taxonomy_covers_the_field_kinds():
    taxonomy = load_taxonomy()
    for word, code in [
        ("いきいきサロン", "salon"), ("地域の茶の間", "ibasho"), ("ふまねっと", "taiso"),
        ("くらサポ", "kurasapo"), ("配食", "haishoku"), ("移動支援", "ido_shien"),
        ("見守り", "mimamori"), ("認知症カフェ", "ninchisho_cafe"), ("ｻﾛﾝ", "salon"),
    ]:  # fmt: skip
        assert taxonomy.find_kind(word).code == code
    assert taxonomy.find_kind("宇宙旅行") is None
    assert {g.code for g in taxonomy.groups} == {k.group for k in taxonomy.kinds}


def test_care_service_words_of_the_mhlw_lists_have_kinds():
    """The サービスの種類 of 介護サービス情報公表 and the 総合事業 words find their kinds."""
    taxonomy = load_taxonomy()
    for word, code in [
        ("通所介護", "tsusho_kaigo"), ("地域密着型通所介護", "tsusho_kaigo"),
        ("認知症対応型通所介護", "tsusho_kaigo"), ("通所型サービス（独自）", "tsusho_kaigo"),
        ("通所リハビリテーション（介護老人保健施設）", "tsusho_reha"),
        ("訪問介護", "houmon_kaigo"), ("訪問型サービス（独自）", "houmon_kaigo"),
        ("定期巡回・随時対応型訪問介護看護", "houmon_kaigo"), ("訪問看護", "houmon_kango"),
        ("訪問入浴介護", "houmon_nyuyoku"), ("小規模多機能型居宅介護", "shokibo_takino"),
        ("看護小規模多機能型居宅介護", "shokibo_takino"), ("認知症対応型共同生活介護", "group_home"),
        ("介護老人福祉施設", "tokuyo"), ("介護老人保健施設", "roken"), ("介護医療院", "roken"),
        ("短期入所生活介護", "short_stay"), ("短期入所療養介護（介護医療院）", "short_stay"),
        ("特定施設入居者生活介護", "yuryo_rojin"), ("住宅型有料老人ホーム", "yuryo_rojin"),
        ("サービス付き高齢者向け住宅", "sakoju"), ("居宅介護支援", "kyotaku_shien"),
        ("福祉用具貸与", "fukushi_yogu"), ("特定福祉用具販売", "fukushi_yogu"),
        ("通所型サービスA", "tsusho_a"), ("通所型サービスＢ", "tsusho_b"),
        ("通所型サービスC", "service_c"), ("訪問型サービスC", "service_c"),
        ("訪問型サービスA", "houmon_a"), ("訪問型サービスB", "houmon_b"),
        ("訪問型サービスD", "ido_shien"), ("介護予防支援", "houkatsu"),
        # 湖西市のケアマップの書き方
        ("訪問型サービスＡ提供事業所（緩和）", "houmon_a"), ("サービス付き高齢者住宅", "sakoju"),
        ("認知症対応居宅介護（グループホーム）", "group_home"), ("経費老人ホーム", "keihi"),
    ]:  # fmt: skip
        assert taxonomy.find_kind(word).code == code, word
    assert taxonomy.find_kind("宇宙旅行（月面）") is None


def test_kinds_of_one_group_differ_in_colour():
    taxonomy = load_taxonomy()
    for group in taxonomy.groups:
        colors = [k.color.lower() for k in taxonomy.kinds_in_group(group.code)]
        assert len(colors) == len(set(colors)), group.code


def test_every_need_is_met_by_some_kind_or_skill():
    taxonomy = load_taxonomy()
    assert len(taxonomy.needs) >= 8
    for need in taxonomy.needs:
        assert need.resource_kinds or need.skills
    assert taxonomy.need("hanashiaite").skills == ("hanashiaite",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[kind]]\ncode='a'\n", r'\[\[kind\]\] の 1 番目（code = "a"）: label がありません'),
        (
            "[[group]]\ncode='g'\nlabel='G'\n[[kind]]\ncode='a'\nlabel='A'\ngroup='g'\nsymbol='A'\ncolor='#000000'\n"
            "[[kind]]\ncode='b'\nlabel=2\n",
            r'\[\[kind\]\] の 2 番目（code = "b"）: label は文字列',
        ),
        ("[[skill]]\nlabel='話し相手'\n", r"\[\[skill\]\] の 1 番目: code がありません"),
        (
            "[[need]]\ncode='n'\nlabel='N'\nresource_kinds='salon'\nskills=[]\n",
            r'\[\[need\]\] の 1 番目（code = "n"）: resource_kinds は文字列の並び',
        ),
        ("kind = 'salon'\n", r"kind は \[\[kind\]\] の表を並べて書いてください"),
        ("not toml = = =", "読めません"),
        (
            "[[group]]\ncode='g'\nlabel='G'\n[[kind]]\ncode='a'\nlabel='A'\ngroup='x'\nsymbol='A'\ncolor='red'\n",
            "group「x」がありません; 種別 a: color は #rrggbb",
        ),
        (
            "[[group]]\ncode='g'\nlabel='G'\n"
            "[[kind]]\ncode='a'\nlabel='A'\ngroup='g'\nsymbol='A'\ncolor='#000000'\naliases=['サロン']\n"
            "[[kind]]\ncode='b'\nlabel='B'\ngroup='g'\nsymbol='B'\ncolor='#111111'\naliases=['ｻﾛﾝ']\n",
            "「ｻﾛﾝ」が種別 a と b の両方にあります",
        ),
        (
            "[[group]]\ncode='g'\nlabel='G'\n"
            "[[kind]]\ncode='a'\nlabel='A'\ngroup='g'\nsymbol='A'\ncolor='#00AA00'\n"
            "[[kind]]\ncode='b'\nlabel='B'\ngroup='g'\nsymbol='B'\ncolor='#00aa00'\n",
            "種別 b: color が同じまとまりの a と同じです",
        ),
        (
            "[[group]]\ncode='g'\nlabel='G'\n[[kind]]\ncode='a'\nlabel='A'\ngroup='g'\nsymbol='A'\ncolor='#000000'\n"
            "[[need]]\ncode='n'\nlabel='N'\nresource_kinds=['zz']\nskills=[]\n",
            "ニーズ n: 種別「zz」がありません",
        ),
    ],
)
def test_mistakes_in_the_file_are_named(tmp_path, body, message):
    path = tmp_path / "taxonomy.toml"
    path.write_text(body, "utf-8")
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)
