"""Tables and word lists for the fictional demo town さくら台町, used by mapapp.demo."""

from typing import NamedTuple

TOWN_NAME = "さくら台町"
TOWN_KANA = "さくらだいちょう"
TOWN_CODE = "99999"
LAYER2_KIND_LABEL = "地区社協区域"
SHAKYO_NAME = "さくら台町社会福祉協議会"

# Kangxi radicals that PDFs put in place of the ordinary kanji: they look the same but are other
# code points, and real schedule strings are full of them.
MOON = "\u2f49"  # ⽉ instead of 月
SUN = "\u2f47"  # ⽇ instead of 日
GOLD = "\u2fa6"  # ⾦ instead of 金
TREE = "\u2f4a"  # ⽊ instead of 木
FIRE = "\u2f55"  # ⽕ instead of 火

# Resource kinds, in the order the map legend lists them; the first seven are the 通いの場 family.
KINDS = (
    "salon", "ibasho", "taiso", "ninchisho_cafe", "yobo_kyoten", "mini_day", "yoriai",
    "kurasapo", "houkatsu", "shakyo",
    "haishoku", "ido_shien", "kaimono", "kaji_shien", "mimamori", "houmon_biyo",
    "kenko_soudan", "kaigosha_shien",
    "kaigo_jigyosho", "iryo", "yakkyoku",
)  # fmt: skip
GATHERING_KINDS = KINDS[:7]

COLUMNS = (
    "出典ID", "種別", "名称", "名称かな", "運営団体", "会場", "住所", "緯度", "経度",
    "位置の精度", "対象範囲", "対象区域", "開催日時", "休み", "参加費", "対象者", "定員",
    "送迎", "飲食", "連絡先", "URL", "状態", "最終確認日", "タグ", "内容",
)  # fmt: skip


class District(NamedTuple):
    """A 第2層 area: its seed point in km from the town centre and its shared meeting hall."""

    name: str
    kana: str
    x_km: float
    y_km: float
    centre: str  # key into VENUES


DISTRICTS = (
    District("中央地区", "ちゅうおうちく", 0.0, 0.0, "中央公民館"),
    District("桜ケ丘地区", "さくらがおかちく", 2.0, 1.6, "桜ケ丘センター"),
    District("川北地区", "かわきたちく", -1.3, 1.8, "川北センター"),
    District("南部地区", "なんぶちく", -0.6, -1.9, "南部センター"),
    District("東部地区", "とうぶちく", 2.6, -1.2, "東部センター"),
    District("西山地区", "にしやまちく", -3.0, -0.2, "西山センター"),
)


class Chome(NamedTuple):
    """A 町丁 (第3層 area); within a district they are listed from its centre outwards."""

    district: int
    base: str
    base_kana: str
    number: int  # 丁目, 0 when the 町 has none
    profile: str  # key into AGE_PROFILES
    population: int  # before a few per cent of jitter


CHOME = (
    Chome(0, "駅前", "えきまえ", 1, "ekimae", 1300),
    Chome(0, "本町", "ほんまち", 1, "chushin", 900),
    Chome(0, "駅前", "えきまえ", 2, "ekimae", 1400),
    Chome(0, "本町", "ほんまち", 2, "chushin", 1100),
    Chome(0, "栄町", "さかえまち", 0, "chushin", 1000),
    Chome(0, "本町", "ほんまち", 3, "jutaku", 1200),
    Chome(1, "桜ケ丘", "さくらがおか", 1, "danchi", 1500),
    Chome(1, "桜ケ丘", "さくらがおか", 2, "danchi", 1600),
    Chome(1, "桜ケ丘", "さくらがおか", 3, "danchi", 1200),
    Chome(1, "緑町", "みどりまち", 0, "jutaku", 1000),
    Chome(1, "若草町", "わかくさちょう", 0, "jutaku", 900),
    Chome(2, "新町", "しんまち", 0, "jutaku", 1100),
    Chome(2, "旭町", "あさひまち", 0, "jutaku", 1000),
    Chome(2, "宮前", "みやまえ", 0, "chushin", 800),
    Chome(2, "川北", "かわきた", 0, "jutaku", 900),
    Chome(2, "城山", "しろやま", 0, "noson", 600),
    Chome(3, "南町", "みなみまち", 0, "jutaku", 1000),
    Chome(3, "みなみ野", "みなみの", 1, "newtown", 1600),
    Chome(3, "みなみ野", "みなみの", 2, "newtown", 1400),
    Chome(3, "中島", "なかじま", 0, "jutaku", 800),
    Chome(3, "大橋", "おおはし", 0, "noson", 500),
    Chome(4, "東町", "ひがしまち", 0, "jutaku", 1000),
    Chome(4, "日の出町", "ひのでちょう", 0, "jutaku", 1100),
    Chome(4, "松原", "まつばら", 0, "jutaku", 800),
    Chome(4, "清水", "しみず", 0, "noson", 500),
    Chome(4, "岡田", "おかだ", 0, "noson", 400),
    Chome(5, "西山", "にしやま", 0, "noson", 700),
    Chome(5, "下野", "しもの", 0, "noson", 600),
    Chome(5, "上野", "うえの", 0, "noson", 500),
    Chome(5, "大平", "おおだいら", 0, "noson", 300),
)

CHOME_NUMERALS = ("", "一", "二", "三")
CHOME_KANA = ("", "いっちょうめ", "にちょうめ", "さんちょうめ")

# Five-year bands as column suffixes: pop_0_4 … pop_80_84, pop_85_over.
AGE_BANDS = tuple(f"{age}_{age + 4}" for age in range(0, 85, 5)) + ("85_over",)


class AgeProfile(NamedTuple):
    """Share of 65+ and 75+ residents, and relative weights of the 13 bands under 65."""

    rate_65: float
    rate_75: float
    under_65: tuple[float, ...]


AGE_PROFILES = {
    "chushin": AgeProfile(0.38, 0.22, (3, 3, 3.5, 4, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5)),
    "ekimae": AgeProfile(0.27, 0.14, (4, 4, 4, 5, 7, 8, 7, 6, 6, 6, 5, 5, 5)),
    "jutaku": AgeProfile(0.32, 0.17, (4, 4, 4.5, 4.5, 4, 4.5, 5, 5.5, 6, 6.5, 6, 6, 6.5)),
    # The hillside 団地 built around 1970: its first residents are now in their eighties.
    "danchi": AgeProfile(0.45, 0.28, (2, 2, 3, 3, 3, 3, 3, 4, 5, 6, 6, 7, 8)),
    # The suburb sold from 2005: young families.
    "newtown": AgeProfile(0.20, 0.08, (7, 7, 6, 4, 3, 5, 8, 9, 8, 6, 5, 4, 4)),
    "noson": AgeProfile(0.41, 0.24, (2.5, 3, 3.5, 3.5, 2, 2.5, 3, 4, 5, 5.5, 6, 7, 8)),
}
WEIGHTS_65_74 = (1.1, 1.0)
WEIGHTS_75_OVER = (5.0, 3.5, 3.0)

# 通いの場 per district (in DISTRICTS order). 東部 and 西山 are left short on purpose, so that the
# gap analysis has something to show.
GATHERING_COUNTS = {
    "salon": (9, 8, 6, 6, 2, 1),
    "ibasho": (3, 2, 2, 3, 1, 0),
    "taiso": (5, 4, 3, 4, 1, 1),
    "ninchisho_cafe": (2, 1, 1, 1, 0, 0),
    "yobo_kyoten": (1, 1, 1, 1, 0, 1),
    "mini_day": (2, 2, 1, 1, 0, 0),
    "yoriai": (1, 1, 1, 1, 1, 1),
}

# 居宅サロン: salons in a private home, published only to the 丁目.
PRIVATE_HOME_SALONS = ("本町三丁目", "駅前二丁目", "桜ケ丘二丁目", "桜ケ丘三丁目", "みなみ野一丁目")

NICKNAMES = (
    ("ひまわり", "ひまわり"), ("なごみ", "なごみ"), ("たんぽぽ", "たんぽぽ"),
    ("ほほえみ", "ほほえみ"), ("陽だまり", "ひだまり"), ("わかば", "わかば"),
    ("すみれ", "すみれ"), ("こすもす", "こすもす"), ("あじさい", "あじさい"),
    ("なかよし", "なかよし"), ("えがお", "えがお"), ("ゆうゆう", "ゆうゆう"),
    ("いこい", "いこい"), ("和楽", "わらく"), ("縁側", "えんがわ"), ("あおぞら", "あおぞら"),
    ("つばき", "つばき"), ("やすらぎ", "やすらぎ"), ("結", "ゆい"), ("木もれ陽", "こもれび"),
    ("はなみずき", "はなみずき"), ("もみじ", "もみじ"), ("しらさぎ", "しらさぎ"),
    ("菜の花", "なのはな"), ("若竹", "わかたけ"), ("さざんか", "さざんか"), ("きずな", "きずな"),
    ("あかね", "あかね"), ("ふじ", "ふじ"), ("うぐいす", "うぐいす"), ("いちょう", "いちょう"),
    ("せせらぎ", "せせらぎ"), ("ぽかぽか", "ぽかぽか"), ("わいわい", "わいわい"),
    ("のんびり", "のんびり"), ("きらり", "きらり"), ("ひなた", "ひなた"), ("さつき", "さつき"),
    ("かえで", "かえで"), ("すずらん", "すずらん"), ("なでしこ", "なでしこ"), ("れんげ", "れんげ"),
    ("ほたる", "ほたる"), ("あすなろ", "あすなろ"), ("ききょう", "ききょう"), ("寿", "ことぶき"),
    ("松風", "まつかぜ"), ("ひばり", "ひばり"), ("つくし", "つくし"), ("福寿草", "ふくじゅそう"),
)  # fmt: skip

# Name patterns as (名称, 名称かな); {base} is the 町 name, {chome} the full 町丁 name.
NAME_PATTERNS = {
    "salon": (
        ("{base}いきいきサロン", "{base_kana}いきいきさろん"),
        ("ふれあいサロン{nick}", "ふれあいさろん{nick_kana}"),
        ("サロン{nick}", "さろん{nick_kana}"),
        ("{chome}ふれあいサロン", "{chome_kana}ふれあいさろん"),
        ("{nick}の会", "{nick_kana}のかい"),
    ),
    "ibasho": (
        ("地域の茶の間「{nick}」", "ちいきのちゃのま{nick_kana}"),
        ("みんなの居場所{nick}", "みんなのいばしょ{nick_kana}"),
        ("{nick}カフェ", "{nick_kana}かふぇ"),
        ("コミュニティカフェ{nick}", "こみゅにてぃかふぇ{nick_kana}"),
        ("{base}よりみち処", "{base_kana}よりみちどころ"),
    ),
    "taiso": (
        ("{base}元気体操", "{base_kana}げんきたいそう"),
        ("いきいき百歳体操（{chome}）", "いきいきひゃくさいたいそう{chome_kana}"),
        ("ふまねっと教室{base}", "ふまねっときょうしつ{base_kana}"),
        ("介護予防教室「{nick}」", "かいごよぼうきょうしつ{nick_kana}"),
        ("{base}シルバー体操クラブ", "{base_kana}しるばーたいそうくらぶ"),
    ),
    "ninchisho_cafe": (
        ("オレンジカフェ{nick}", "おれんじかふぇ{nick_kana}"),
        ("認知症カフェ「{nick}」", "にんちしょうかふぇ{nick_kana}"),
        ("{base}オレンジカフェ", "{base_kana}おれんじかふぇ"),
    ),
    "yobo_kyoten": (
        ("介護予防拠点 {base}ふれあいの家", "かいごよぼうきょてん{base_kana}ふれあいのいえ"),
        ("{base}いきいきセンター", "{base_kana}いきいきせんたー"),
    ),
    "mini_day": (
        ("ミニデイ{nick}", "みにでい{nick_kana}"),
        ("{base}ミニデイサービス", "{base_kana}みにでいさーびす"),
    ),
    "yoriai": (
        ("{base}寄り合い場", "{base_kana}よりあいば"),
        ("寄り合い処「{nick}」", "よりあいどころ{nick_kana}"),
        ("くらサポ広場{base}", "くらさぽひろば{base_kana}"),
    ),
}

# 運営団体 patterns with the phone to publish: "own" (the group's office), "kurasapo" or
# "houkatsu" (the district's centre answers for residents' groups), "shakyo".
ORGANISER_PATTERNS = {
    "salon": (
        ("{base}自治会", "kurasapo"), ("{base}老人クラブ", "kurasapo"),
        ("サロン{nick}世話人会", "kurasapo"), ("{district}社会福祉協議会", "shakyo"),
        ("ボランティアグループ{nick}", "kurasapo"),
    ),
    "ibasho": (
        ("NPO法人{nick}の会", "own"), ("{base}まちづくりの会", "kurasapo"),
        ("居場所づくりグループ{nick}", "kurasapo"),
    ),
    "taiso": (
        ("{base}自治会", "kurasapo"), ("{houkatsu}", "houkatsu"),
        ("介護予防リーダー会{base}", "kurasapo"), ("{base}元気クラブ", "kurasapo"),
    ),
    "ninchisho_cafe": (
        ("{houkatsu}", "houkatsu"), ("認知症の人と家族の会さくら台", "shakyo"),
        ("グループホーム{nick}", "own"),
    ),
    "yobo_kyoten": (("{base}自治会", "kurasapo"), ("{district}社会福祉協議会", "shakyo")),
    "mini_day": (
        ("{district}社会福祉協議会", "shakyo"), ("ボランティアグループ{nick}", "kurasapo"),
    ),
    "yoriai": (("{kurasapo}", "kurasapo"), ("{base}自治会", "kurasapo")),
}  # fmt: skip

# Where a gathering meets: its 町丁's 集会所/公民館, the district's centre, or a place of its own.
VENUE_CHOICES = {
    "salon": ("hall", "hall", "hall", "centre", "temple"),
    "ibasho": ("shop", "house", "temple", "hall"),
    "taiso": ("hall", "hall", "centre", "centre"),
    "ninchisho_cafe": ("centre", "shop", "house"),
    "yobo_kyoten": ("house", "hall"),
    "mini_day": ("hall", "centre"),
    "yoriai": ("hall", "house", "centre"),
}
TEMPLES = (
    "西光寺", "常楽寺", "正福寺", "善立寺", "法雲寺", "長円寺", "光明寺", "浄泉寺", "円福寺",
    "宝林寺", "龍泉寺", "慈眼寺", "蓮華寺", "東漸寺",
)  # fmt: skip


class KindDetails(NamedTuple):
    """Pools a row of one kind draws its free-text fields from."""

    schedules: tuple[str, ...]
    closed: tuple[str, ...]
    fees: tuple[str, ...]
    targets: tuple[str, ...]
    tags: tuple[str, ...]
    summaries: tuple[str, ...]  # may use {t0} and {t1}, the row's first two tags
    capacity: tuple[str, ...] = ("",)
    transport: tuple[str, ...] = ("",)
    food: tuple[str, ...] = ("",)


# Written as people write them: full-width digits, Kangxi radicals, 〜 (U+301C), ～ (U+FF5E) and ~,
# line breaks from PDFs, and a few that say almost nothing.
GATHERING_SCHEDULES = (
    f"毎週{MOON}曜{SUN} 10:00〜11:30",
    "毎月第２・第４金曜日 13:30～15:30",
    f"毎{MOON}２回／15{SUN}、25{SUN} 10:00〜11:30",
    f"毎{MOON}２回／第２、第４{GOLD}曜{SUN}10:00〜11:30",
    f"毎週{TREE}曜{SUN} 夏期15:00〜16:30\n冬期14:00〜15:30",
    f"毎{MOON}２回／第２、第4{MOON}曜{SUN}\n13:00〜15:30",
    f"毎{MOON}第１{GOLD}曜{SUN}",
    "第１週 10時～",
    "11時半\n～",
    "第３週 13時半～",
    "週１回以上",
    f"毎週{FIRE}曜{SUN} 9:30~10:30",
    "毎週水曜日 １０：００～１１：３０",
    "毎月第3木曜日 13:30~15:00",
    "毎月1回 第2火曜日 10:00〜12:00",
    "月1回（日程は回覧板でお知らせします）",
    "毎週月・木曜日 10:00～11:00",
    "毎月10日・20日 13:30～15:00",
    "第２・第４水曜日 午前中",
    "毎月最終日曜日 10時〜12時",
    "不定期",
)
OFFICE_HOURS = ("平日 8:30～17:15", "月～金 8:30〜17:15", "月曜日～金曜日 9:00~17:00")
OFFICE_CLOSED = ("土日祝日、年末年始", "土・日・祝日、12/29～1/3")
ON_REQUEST = ("随時", "随時（要予約）", "平日 9:00～16:00（要予約）")

_GATHERING_CLOSED = (
    "", "", "年末年始", "年末年始、祝日", "8月は休み", "8月・1月は休み", "雨天中止",
)  # fmt: skip

DETAILS = {
    "salon": KindDetails(
        GATHERING_SCHEDULES, _GATHERING_CLOSED,
        ("参加費100円", "無料", f"参加費100円／{MOON}、ノート代実費", "1回100円（お茶代）",
         "参加費200円（イベント時の食費は別途）", "参加費300円（昼食代込み）", "年会費1,000円"),
        ("65歳以上", "おおむね65歳以上の方", "どなたでも", "地域の高齢者", "町内在住の方"),
        ("体操", "脳トレ", "交流", "茶話会", "カラオケ", "手芸", "歌", "食事", "健康チェック",
         "囲碁・将棋", "折り紙", "健康マージャン"),
        ("{t0}や{t1}を楽しみながら、近所の仲間と交流しています。",
         "みんなで集まり、{t0}と{t1}でゆったり過ごします。",
         "{t0}のあとはお茶を飲みながらおしゃべりします。"),
        ("", "15", "20", "25", "30"), ("なし", "なし", "なし", ""), ("あり", "あり", "なし", ""),
    ),
    "ibasho": KindDetails(
        GATHERING_SCHEDULES[:8] + ("毎週水・土曜日 10:00～15:00", "平日 10:00～16:00"),
        ("", "年末年始", "お盆・年末年始"),
        ("オリジナルブレンドコーヒー 100円", "1ドリンク100円", "無料", "ランチ400円（要予約）"),
        ("どなたでも", "多世代・どなたでも", "地域の方ならどなたでも"),
        ("交流", "喫茶", "多世代", "食事", "子ども食堂", "手芸", "おしゃべり", "学習"),
        ("誰でも気軽に立ち寄れる{t0}の場です。", "{t0}と{t1}を通じて世代をこえてつながります。"),
        ("", "20"), ("なし",), ("あり",),
    ),
    "taiso": KindDetails(
        GATHERING_SCHEDULES, ("", "年末年始", "祝日", "8月は休み"),
        ("無料", "参加費100円", "年会費500円", "1回200円"),
        ("65歳以上", "要支援者可", "おおむね65歳以上の方", "どなたでも"),
        ("体操", "ふまねっと", "筋力トレーニング", "脳トレ", "口腔体操", "ストレッチ",
         "健康チェック"),
        ("おもりを使った体操で足腰を鍛えています。", "{t0}と{t1}で転ばない体づくりをしています。"),
        ("", "20", "30"), ("なし",), ("なし", ""),
    ),
    "ninchisho_cafe": KindDetails(
        ("毎月第３土曜日 13:30〜15:30", f"毎{MOON}第１{GOLD}曜{SUN}",
         "毎月1回（日程は広報でお知らせ）", "第２水曜日 14:00～16:00"),
        ("", "8月は休み"), ("100円（飲み物代）", "無料", "参加費200円"),
        ("認知症の方とそのご家族、どなたでも", "どなたでも"),
        ("相談", "交流", "喫茶", "音楽", "ミニ講座"),
        ("認知症の方や家族、地域の人が気軽に集い、{t0}や{t1}の時間もあります。",),
        ("", "20"), ("なし",), ("あり",),
    ),
    "yobo_kyoten": KindDetails(
        ("平日 9:00～16:00", "月～金 10:00〜15:00", "毎週月・水・金 10:00～15:00"),
        ("土日祝日、年末年始",), ("無料（教室により実費）", "1回100円"),
        ("65歳以上", "要支援者可"), ("体操", "教室", "交流", "相談", "趣味"),
        ("空き家を活用した介護予防の拠点で、{t0}や{t1}に使われています。",),
        ("", "30"), ("なし",), ("なし",),
    ),
    "mini_day": KindDetails(
        ("毎月第２木曜日 10:00～14:00", f"毎{MOON}２回／第１、第３{FIRE}曜{SUN} 10:00〜14:00",
         "月2回 10時～14時"),
        ("8月は休み", "年末年始"),
        ("参加費500円（昼食代込み）", "300円（昼食・おやつ代）"),
        ("要支援者可", "65歳以上の一人暮らしの方", "おおむね70歳以上の方"),
        ("レクリエーション", "体操", "交流", "歌", "手芸"),
        ("昼食と{t0}を楽しむ、ボランティアによる日帰りの集いです。",),
        ("10", "15", "20"), ("あり", "あり", "なし"), ("あり",),
    ),
    "yoriai": KindDetails(
        (f"毎{MOON}２回／15{SUN}、25{SUN} 10:00〜11:30", "第１週 10時～", "第３週 13時半～",
         "毎週金曜日 13:00～15:00"),
        ("", "年末年始"), ("参加費100円", "無料"), ("どなたでも", "地区内にお住まいの方"),
        ("交流", "茶話会", "食事", "買い物", "相談"),
        ("{t0}や{t1}で気軽に集まる、地区の寄り合い場です。",),
        ("",), ("なし", "あり"), ("あり",),
    ),
    "kurasapo": KindDetails(
        ("月～金 9:00～16:00",), OFFICE_CLOSED, ("ちょっと困りの支援 30分300円",),
        ("地区内にお住まいの方",), ("生活支援", "相談", "寄り合い場", "ちょっと困りの支援"),
        ("ごみ出しや電球交換などの{t0}と{t1}で、地区の暮らしを支えます。",),
    ),
    "houkatsu": KindDetails(
        OFFICE_HOURS, OFFICE_CLOSED, ("無料",), ("65歳以上の方とご家族",),
        ("総合相談", "介護予防", "権利擁護", "ケアマネジメント"),
        ("高齢者の暮らしや介護の{t0}窓口です。",),
    ),
    "shakyo": KindDetails(
        OFFICE_HOURS, OFFICE_CLOSED, ("無料",), ("どなたでも",),
        ("ボランティア", "生活支援", "相談", "福祉"),
        ("{t0}の登録や{t1}など、町の地域福祉を進めています。",),
    ),
    "haishoku": KindDetails(
        ("月～土 昼食（11:30頃お届け）", "月・水・金 夕食", "毎日 昼・夕"),
        ("日曜日、年末年始", "年末年始"), ("1食500円", "1食450円", "1食600円（おかずのみ450円）"),
        ("65歳以上の一人暮らし・高齢者のみ世帯", "町内在住の方"),
        ("配食", "見守り", "食事"), ("お弁当を手渡しでお届けし、安否の確認も兼ねています。",),
    ),
    "ido_shien": KindDetails(
        ("平日 9:00～16:00（要予約）", "毎週火・金曜日 10:00～12:00", "随時（前日までに予約）"),
        ("土日祝日",), ("片道300円", "実費（ガソリン代）", "1回200円"),
        ("免許を返納した方", "要支援・要介護の方", "65歳以上"),
        ("外出支援", "送迎", "通院", "買い物"), ("{t1}など、{t0}をしています。",),
    ),
    "kaimono": KindDetails(
        ("毎週火曜日・金曜日 巡回", "随時", "毎週水曜日 10:00頃"),
        ("", "年末年始"), ("無料（商品代のみ）", "配達料100円", "実費"),
        ("どなたでも", "町内在住の方"), ("買い物", "移動販売", "宅配"),
        ("{t1}で、買い物に不便な方の暮らしを支えます。",),
    ),
    "kaji_shien": KindDetails(
        ON_REQUEST, ("", "年末年始"), ("30分500円", "30分300円", "1時間800円"),
        ("65歳以上", "要支援者可", "町内在住の方"),
        ("家事支援", "ゴミ出し", "草取り", "電球交換", "買い物代行"),
        ("{t1}など、30分程度のちょっとした困りごとをお手伝いします。",),
    ),
    "mimamori": KindDetails(
        ("毎朝 9:00頃", "随時", "毎日"), ("",), ("無料", "月300円"),
        ("65歳以上の一人暮らし・高齢者のみ世帯", "町内在住の方"),
        ("見守り", "安否確認", "配達"), ("{t1}を通じて、異変に気づいたら関係機関へつなぎます。",),
    ),
    "houmon_biyo": KindDetails(
        ("随時（要予約）", "平日 10:00～16:00（要予約）"), ("日曜日",),
        ("カット2,500円（出張費込み）", "カット3,000円", "出張費500円＋施術料"),
        ("外出が困難な方", "要介護の方"), ("理美容", "カット", "出張"),
        ("外出が難しい方のご自宅へ伺い、{t0}をします。",),
    ),
    "kenko_soudan": KindDetails(
        ("毎月第２水曜日 10:00～12:00", "平日 9:00～16:00", "毎月第３水曜日 13:30〜15:00"),
        ("祝日", ""), ("無料",), ("どなたでも", "町内在住の方"),
        ("健康相談", "血圧測定", "栄養相談", "服薬相談"),
        ("専門職が{t0}や{t1}に応じます。",),
    ),
    "kaigosha_shien": KindDetails(
        ("毎月第４金曜日 13:30～15:00", "奇数月 第2土曜日 10:00〜12:00", "毎月1回"),
        ("",), ("無料", "100円（お茶代）"), ("介護をしているご家族",),
        ("介護者支援", "交流", "相談", "ミニ講座"),
        ("介護をしている家族が集まり、{t1}をしています。",),
    ),
    "kaigo_jigyosho": KindDetails(
        ("平日 8:30～17:30",), ("",),
        ("介護保険適用（1〜3割負担）",), ("要支援・要介護の方",),
        ("デイサービス", "入浴"),
        ("介護保険の{t0}を提供しています。",),
    ),
    "iryo": KindDetails(
        ("月・火・水・金 9:00〜12:00、16:00〜19:00\n木・土 9:00〜12:00",
         "平日 8:30～11:30（受付）", "月～土 9:00～12:00／15:00～18:00"),
        ("日曜・祝日", "木曜午後・日曜・祝日"), ("保険診療",), ("どなたでも",),
        ("内科", "訪問診療"), ("{t0}のほか、{t1}にも対応しています。",),
    ),
    "yakkyoku": KindDetails(
        ("月～金 9:00～18:30 土 9:00～13:00", "平日 9:00～19:00"), ("日曜・祝日",),
        ("保険調剤",), ("どなたでも",), ("薬局", "服薬相談", "在宅訪問", "健康相談"),
        ("処方せんの調剤と{t1}に応じます。",),
    ),
}  # fmt: skip


# Named buildings several rows share, as (key, 会場, 町丁).
VENUES = (
    ("福祉センター", "さくら台町総合福祉センター", "本町二丁目"),
    ("中央公民館", "さくら台町中央公民館", "栄町"),
    ("保健センター", "さくら台町保健センター", "栄町"),
    ("桜ケ丘センター", "桜ケ丘地域交流センター", "桜ケ丘二丁目"),
    ("川北センター", "川北コミュニティセンター", "新町"),
    ("南部センター", "南部ふれあいセンター", "南町"),
    ("東部センター", "東部コミュニティセンター", "日の出町"),
    ("西山センター", "西山ふれあい会館", "西山"),
    ("緑風荘", "特別養護老人ホーム緑風荘", "緑町"),
    ("スーパーみどり", "スーパーみどり桜ケ丘店", "若草町"),
)


class ServiceSpec(NamedTuple):
    """A row written out by hand: centres, services that come to the resident, facilities.

    `place` is a VENUES key (a shared building) or a 町丁 name (a building of its own);
    `areas` names the 第2層 areas a "区域" service covers; `phone` is whose number to publish
    (empty: the organisation's own).
    """

    kind: str
    name: str
    kana: str
    org: str
    place: str
    scope: str
    areas: str = ""
    url: str = ""
    phone: str = ""
    tags: str = ""  # instead of tags drawn from the kind's pool
    hours: str = ""  # instead of a 開催日時 drawn from the kind's pool


SERVICES = (
    ServiceSpec("shakyo", SHAKYO_NAME, "さくらだいちょうしゃかいふくしきょうぎかい",
                "社会福祉法人さくら台町社会福祉協議会", "福祉センター", "町全域",
                url="https://www.sakuradai-shakyo.example.jp/"),
    ServiceSpec("houkatsu", "さくら台町中央地域包括支援センター",
                "さくらだいちょうちゅうおうちいきほうかつしえんせんたー", SHAKYO_NAME,
                "福祉センター", "区域", "中央地区、西山地区",
                url="https://www.town.sakuradai.example.jp/kaigo/houkatsu.html"),
    ServiceSpec("houkatsu", "さくら台町北部地域包括支援センター",
                "さくらだいちょうほくぶちいきほうかつしえんせんたー", "社会福祉法人さくら福祉会",
                "緑風荘", "区域", "桜ケ丘地区、川北地区",
                url="https://www.town.sakuradai.example.jp/kaigo/houkatsu.html"),
    ServiceSpec("houkatsu", "さくら台町南部地域包括支援センター",
                "さくらだいちょうなんぶちいきほうかつしえんせんたー", "医療法人社団みなみ会",
                "南部センター", "区域", "南部地区、東部地区",
                url="https://www.town.sakuradai.example.jp/kaigo/houkatsu.html"),
    ServiceSpec("kurasapo", "暮らしのサポートセンター中央", "くらしのさぽーとせんたーちゅうおう",
                "中央地区まちづくり協議会", "本町一丁目", "区域", "中央地区"),
    ServiceSpec("kurasapo", "暮らしのサポートセンター桜ケ丘",
                "くらしのさぽーとせんたーさくらがおか", "桜ケ丘地区まちづくり協議会",
                "桜ケ丘センター", "区域", "桜ケ丘地区"),
    ServiceSpec("kurasapo", "暮らしのサポートセンター川北", "くらしのさぽーとせんたーかわきた",
                "川北地区まちづくり協議会", "川北センター", "区域", "川北地区"),
    ServiceSpec("kurasapo", "暮らしのサポートセンター南部", "くらしのさぽーとせんたーなんぶ",
                "南部地区まちづくり協議会", "南部センター", "区域", "南部地区"),
    ServiceSpec("kurasapo", "暮らしのサポートセンター東部", "くらしのさぽーとせんたーとうぶ",
                "東部地区まちづくり協議会", "東部センター", "区域", "東部地区"),
    ServiceSpec("kurasapo", "暮らしのサポートセンター西山", "くらしのさぽーとせんたーにしやま",
                "西山地区まちづくり協議会", "西山センター", "区域", "西山地区"),
    ServiceSpec("haishoku", "社協配食サービス", "しゃきょうはいしょくさーびす", SHAKYO_NAME,
                "福祉センター", "町全域"),
    ServiceSpec("haishoku", "まごころ弁当", "まごころべんとう", "NPO法人まごころ", "新町", "区域",
                "中央地区、川北地区、桜ケ丘地区"),
    ServiceSpec("haishoku", "宅配弁当はなまる亭", "たくはいべんとうはなまるてい",
                "株式会社はなまる", "東町", "町全域", url="https://hanamaru.example.jp/"),
    ServiceSpec("haishoku", "ふれあい給食南部", "ふれあいきゅうしょくなんぶ",
                "南部地区社会福祉協議会", "南部センター", "区域", "南部地区", phone=SHAKYO_NAME),
    ServiceSpec("ido_shien", "おでかけサポート西山", "おでかけさぽーとにしやま",
                "西山地区まちづくり協議会", "西山センター", "区域", "西山地区"),
    ServiceSpec("ido_shien", "さくら台町福祉有償運送", "さくらだいちょうふくしゆうしょううんそう",
                SHAKYO_NAME, "福祉センター", "町全域"),
    ServiceSpec("ido_shien", "桜ケ丘買い物送迎バス", "さくらがおかかいものそうげいばす",
                "桜ケ丘団地自治会連合会", "桜ケ丘センター", "区域", "桜ケ丘地区",
                phone="暮らしのサポートセンター桜ケ丘"),
    ServiceSpec("ido_shien", "あゆみ移送サービス", "あゆみいそうさーびす", "NPO法人あゆみ", "旭町",
                "町全域"),
    ServiceSpec("kaimono", "移動販売車さくら号", "いどうはんばいしゃさくらごう", "スーパーみどり",
                "スーパーみどり", "区域", "東部地区、西山地区", tags="買い物、移動販売"),
    ServiceSpec("kaimono", "スーパーみどり ネットスーパー", "すーぱーみどりねっとすーぱー",
                "スーパーみどり", "スーパーみどり", "町全域",
                url="https://www.super-midori.example.jp/net/", tags="買い物、宅配"),
    ServiceSpec("kaimono", "川北商店会 御用聞きサービス",
                "かわきたしょうてんかいごようききさーびす", "川北商店会", "宮前", "区域",
                "川北地区", tags="買い物、御用聞き、宅配"),
    ServiceSpec("kaimono", "生協の個人宅配", "せいきょうのこじんたくはい",
                "生活協同組合コープさくら", "大橋", "町全域", tags="買い物、宅配"),
    ServiceSpec("kaji_shien", "ちょっと困りごとお助け隊", "ちょっとこまりごとおたすけたい",
                "中央地区社会福祉協議会", "福祉センター", "区域", "中央地区", phone=SHAKYO_NAME),
    ServiceSpec("kaji_shien", "シルバー人材センター家事援助",
                "しるばーじんざいせんたーかじえんじょ",
                "公益社団法人さくら台町シルバー人材センター", "松原", "町全域"),
    ServiceSpec("kaji_shien", "支えあいパートナー南部", "ささえあいぱーとなーなんぶ",
                "南部地区社会福祉協議会", "南部センター", "区域", "南部地区", phone=SHAKYO_NAME),
    ServiceSpec("mimamori", "おはようコール", "おはようこーる", SHAKYO_NAME, "福祉センター",
                "町全域", tags="見守り、安否確認、電話"),
    ServiceSpec("mimamori", "新聞配達見守りネットワーク", "しんぶんはいたつみまもりねっとわーく",
                "さくら台町新聞販売店会", "駅前一丁目", "町全域", tags="見守り、配達"),
    ServiceSpec("mimamori", "乳製品配達による安否確認",
                "にゅうせいひんはいたつによるあんぴかくにん", "さくら乳販センター", "中島",
                "町全域", tags="見守り、配達、安否確認"),
    ServiceSpec("mimamori", "桜ケ丘見守り隊", "さくらがおかみまもりたい", "桜ケ丘団地自治会連合会",
                "桜ケ丘センター", "区域", "桜ケ丘地区", phone="暮らしのサポートセンター桜ケ丘",
                tags="見守り、声かけ"),
    ServiceSpec("houmon_biyo", "訪問理美容はさみの森", "ほうもんりびようはさみのもり",
                "美容室はさみの森", "本町三丁目", "町全域"),
    ServiceSpec("houmon_biyo", "出張理容カットハウス旭", "しゅっちょうりようかっとはうすあさひ",
                "カットハウス旭", "旭町", "区域", "川北地区、中央地区"),
    ServiceSpec("houmon_biyo", "訪問美容ほほえみ", "ほうもんびようほほえみ",
                "NPO法人訪問美容ほほえみ", "南町", "町全域"),
    ServiceSpec("kenko_soudan", "まちの保健室", "まちのほけんしつ", "さくら台町保健センター",
                "中央公民館", "徒歩圏"),
    ServiceSpec("kenko_soudan", "保健センター健康相談", "ほけんせんたーけんこうそうだん",
                "さくら台町保健センター", "保健センター", "町全域"),
    ServiceSpec("kenko_soudan", "桜ケ丘ほけん相談室", "さくらがおかほけんそうだんしつ",
                "さくら台町北部地域包括支援センター", "桜ケ丘センター", "徒歩圏",
                phone="さくら台町北部地域包括支援センター"),
    ServiceSpec("kenko_soudan", "薬剤師の健康相談会", "やくざいしのけんこうそうだんかい",
                "みなみ野薬局", "南部センター", "徒歩圏"),
    ServiceSpec("kaigosha_shien", "介護者のつどい「ひだまり」", "かいごしゃのつどいひだまり",
                SHAKYO_NAME, "福祉センター", "町全域"),
    ServiceSpec("kaigosha_shien", "男性介護者の会", "だんせいかいごしゃのかい",
                "さくら台町男性介護者の会", "中央公民館", "町全域", phone=SHAKYO_NAME),
    ServiceSpec("kaigosha_shien", "認知症家族のつどい", "にんちしょうかぞくのつどい",
                "さくら台町北部地域包括支援センター", "桜ケ丘センター", "区域",
                "桜ケ丘地区、川北地区", phone="さくら台町北部地域包括支援センター"),
    ServiceSpec("kaigo_jigyosho", "デイサービスセンターさくら", "でいさーびすせんたーさくら",
                "社会福祉法人さくら福祉会", "本町三丁目", "徒歩圏",
                tags="デイサービス、入浴、機能訓練", hours="月～土 8:30～17:30"),
    ServiceSpec("kaigo_jigyosho", "桜ケ丘デイサービス", "さくらがおかでいさーびす",
                "株式会社ケアパートナーズ", "桜ケ丘一丁目", "徒歩圏",
                tags="デイサービス、入浴、レクリエーション", hours="平日 9:00～16:30"),
    ServiceSpec("kaigo_jigyosho", "特別養護老人ホーム緑風荘",
                "とくべつようごろうじんほーむりょくふうそう", "社会福祉法人さくら福祉会", "緑風荘",
                "徒歩圏", tags="施設サービス、ショートステイ", hours="24時間"),
    ServiceSpec("kaigo_jigyosho", "ヘルパーステーションあおば", "へるぱーすてーしょんあおば",
                "有限会社あおば", "新町", "町全域", tags="訪問介護、生活援助",
                hours="月～土 8:30～17:30"),
    ServiceSpec("kaigo_jigyosho", "訪問看護ステーションひかり", "ほうもんかんごすてーしょんひかり",
                "医療法人社団ひかり会", "駅前二丁目", "町全域", tags="訪問看護、リハビリ",
                hours="24時間（緊急時）"),
    ServiceSpec("kaigo_jigyosho", "小規模多機能ホームみなみ野", "しょうきぼたきのうほーむみなみの",
                "医療法人社団みなみ会", "みなみ野二丁目", "区域", "南部地区、東部地区",
                tags="小規模多機能型居宅介護、通い、泊まり、訪問", hours="24時間"),
    ServiceSpec("kaigo_jigyosho", "グループホームなごみ", "ぐるーぷほーむなごみ",
                "株式会社なごみケア", "中島", "徒歩圏", tags="認知症対応型共同生活介護、認知症ケア",
                hours="24時間"),
    ServiceSpec("kaigo_jigyosho", "居宅介護支援事業所さくら",
                "きょたくかいごしえんじぎょうしょさくら", SHAKYO_NAME, "福祉センター", "町全域",
                tags="ケアプラン作成、介護相談", hours="平日 8:30～17:15"),
    ServiceSpec("kaigo_jigyosho", "日の出デイサービス", "ひのででいさーびす", "株式会社ひので",
                "日の出町", "徒歩圏", tags="デイサービス、入浴", hours="月～土 8:30～17:00"),
    ServiceSpec("kaigo_jigyosho", "リハビリデイこころ", "りはびりでいこころ", "合同会社こころ",
                "旭町", "徒歩圏", tags="デイサービス、リハビリ",
                hours="月～金 9:00～12:15／13:30～16:45"),
    ServiceSpec("iryo", "さくら台町立病院", "さくらだいちょうりつびょういん", TOWN_NAME, "栄町",
                "町全域", url="https://hospital.sakuradai.example.jp/", tags="外来、入院、救急"),
    ServiceSpec("iryo", "本町内科クリニック", "ほんまちないかくりにっく", "医療法人社団本町会",
                "本町一丁目", "徒歩圏"),
    ServiceSpec("iryo", "駅前ファミリークリニック", "えきまえふぁみりーくりにっく",
                "医療法人駅前会", "駅前一丁目", "徒歩圏"),
    ServiceSpec("iryo", "桜ケ丘診療所", "さくらがおかしんりょうじょ", "医療法人社団ひかり会",
                "桜ケ丘三丁目", "徒歩圏"),
    ServiceSpec("iryo", "みなみ野こどもと家族のクリニック", "みなみのこどもとかぞくのくりにっく",
                "医療法人社団みなみ会", "みなみ野一丁目", "徒歩圏", tags="小児科、内科、予防接種"),
    ServiceSpec("iryo", "川北整形外科", "かわきたせいけいげか", "医療法人川北会", "新町", "徒歩圏",
                tags="整形外科、リハビリ"),
    ServiceSpec("iryo", "西山診療所", "にしやましんりょうじょ", TOWN_NAME, "西山", "区域",
                "西山地区", tags="内科、往診"),
    ServiceSpec("iryo", "ひのき歯科医院", "ひのきしかいいん", "ひのき歯科医院", "日の出町",
                "徒歩圏", tags="歯科、訪問歯科"),
    ServiceSpec("yakkyoku", "さくら薬局駅前店", "さくらやっきょくえきまえてん",
                "株式会社さくら薬局", "駅前一丁目", "徒歩圏"),
    ServiceSpec("yakkyoku", "本町薬局", "ほんまちやっきょく", "有限会社本町薬局", "本町一丁目",
                "徒歩圏"),
    ServiceSpec("yakkyoku", "みなみ野薬局", "みなみのやっきょく", "みなみ野薬局", "みなみ野一丁目",
                "徒歩圏"),
    ServiceSpec("yakkyoku", "桜ケ丘調剤薬局", "さくらがおかちょうざいやっきょく",
                "株式会社さくら薬局", "桜ケ丘三丁目", "徒歩圏"),
    ServiceSpec("yakkyoku", "旭町薬局", "あさひまちやっきょく", "旭町薬局", "旭町", "徒歩圏"),
)  # fmt: skip
