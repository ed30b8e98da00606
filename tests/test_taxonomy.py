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


def test_every_need_is_met_by_some_kind_or_skill():
    taxonomy = load_taxonomy()
    assert len(taxonomy.needs) >= 8
    for need in taxonomy.needs:
        assert need.resource_kinds or need.skills
    assert taxonomy.need("hanashiaite").skills == ("hanashiaite",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[kind]]\ncode='a'\n", "項目 'label' がない"),
        ("not toml = = =", "読めません"),
        (
            "[[group]]\ncode='g'\nlabel='G'\n[[kind]]\ncode='a'\nlabel='A'\ngroup='x'\nsymbol='A'\ncolor='red'\n",
            "group「x」がありません; 種別 a: color は #rrggbb",
        ),
        (
            "[[group]]\ncode='g'\nlabel='G'\n"
            "[[kind]]\ncode='a'\nlabel='A'\ngroup='g'\nsymbol='A'\ncolor='#000000'\naliases=['サロン']\n"
            "[[kind]]\ncode='b'\nlabel='B'\ngroup='g'\nsymbol='B'\ncolor='#000000'\naliases=['ｻﾛﾝ']\n",
            "「ｻﾛﾝ」が種別 a と b の両方にあります",
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
