"""A small gazetteer: places people at a Chongqing-US fair are likely to name.

It lets the engine notice a question about somewhere the matched answer is not
about ("What was Chengdu's GDP?"), which word overlap alone would happily answer
with Chongqing's figure.  It is general knowledge, not FAQ content, so it lives
with the engine and serves any knowledge base.
"""

from __future__ import annotations

import re

# id | English names | Chinese names   (names are matched after synonyms are applied)
_PLACES = """
chongqing|chongqing,chungking|重庆,渝
china|china,prc,mainland china|中国,我国,大陆,内地
usa|usa,united states,america|美国,美利坚
california|california,calif|加州,加利福尼亚
shanghai|shanghai|上海,沪
beijing|beijing,peking|北京
tianjin|tianjin|天津
guangzhou|guangzhou,canton|广州
shenzhen|shenzhen|深圳
chengdu|chengdu|成都
wuhan|wuhan|武汉
xian|xian,xi an|西安
hangzhou|hangzhou|杭州
nanjing|nanjing|南京
suzhou|suzhou|苏州
changsha|changsha|长沙
kunming|kunming|昆明
guiyang|guiyang|贵阳
zhengzhou|zhengzhou|郑州
qingdao|qingdao|青岛
xiamen|xiamen|厦门
dalian|dalian|大连
shenyang|shenyang|沈阳
harbin|harbin|哈尔滨
lanzhou|lanzhou|兰州
urumqi|urumqi|乌鲁木齐
hong kong|hong kong,hongkong|香港
macau|macau,macao|澳门
taiwan|taiwan,taipei|台湾,台北
sichuan|sichuan|四川
guangdong|guangdong|广东
jiangsu|jiangsu|江苏
zhejiang|zhejiang|浙江
hubei|hubei|湖北
hunan|hunan|湖南
henan|henan|河南
hebei|hebei|河北
shandong|shandong|山东
shaanxi|shaanxi,shanxi|陕西,山西
yunnan|yunnan|云南
guizhou|guizhou|贵州
guangxi|guangxi|广西
fujian|fujian|福建
anhui|anhui|安徽
jiangxi|jiangxi|江西
hainan|hainan|海南
gansu|gansu|甘肃
xinjiang|xinjiang|新疆
tibet|tibet,xizang|西藏
inner mongolia|inner mongolia|内蒙古
liaoning|liaoning|辽宁
jilin|jilin|吉林
heilongjiang|heilongjiang|黑龙江
los angeles|los angeles,la|洛杉矶
san francisco|san francisco,sf|旧金山,三藩市
sacramento|sacramento|萨克拉门托
san diego|san diego|圣地亚哥
san jose|san jose|圣何塞
silicon valley|silicon valley|硅谷
seattle|seattle|西雅图
new york|new york,nyc|纽约
chicago|chicago|芝加哥
houston|houston|休斯顿
boston|boston|波士顿
washington|washington,dc|华盛顿
texas|texas|德州,得克萨斯
florida|florida|佛罗里达
oregon|oregon|俄勒冈
nevada|nevada|内华达
arizona|arizona|亚利桑那
michigan|michigan|密歇根
ohio|ohio|俄亥俄
illinois|illinois|伊利诺伊
georgia|georgia|佐治亚
massachusetts|massachusetts|马萨诸塞
new jersey|new jersey|新泽西
pennsylvania|pennsylvania|宾夕法尼亚
virginia|virginia|弗吉尼亚
hawaii|hawaii|夏威夷
alaska|alaska|阿拉斯加
iowa|iowa|爱荷华
utah|utah|犹他
colorado|colorado|科罗拉多
minnesota|minnesota|明尼苏达
indiana|indiana|印第安纳
kentucky|kentucky|肯塔基
tennessee|tennessee|田纳西
missouri|missouri|密苏里
wisconsin|wisconsin|威斯康星
north carolina|north carolina|北卡
south carolina|south carolina|南卡
japan|japan,tokyo|日本,东京
korea|korea,south korea,seoul|韩国,朝鲜,首尔
india|india|印度
russia|russia,moscow|俄罗斯,莫斯科
germany|germany,berlin|德国,柏林
france|france,paris|法国,巴黎
uk|uk,britain,united kingdom,england,london|英国,伦敦
italy|italy|意大利
spain|spain|西班牙
netherlands|netherlands,holland|荷兰
europe|europe,eu,european union|欧洲,欧盟
canada|canada,toronto,vancouver|加拿大
mexico|mexico|墨西哥
brazil|brazil|巴西
australia|australia,sydney|澳大利亚,澳洲
singapore|singapore|新加坡
vietnam|vietnam|越南
thailand|thailand|泰国
malaysia|malaysia|马来西亚
indonesia|indonesia|印度尼西亚,印尼
philippines|philippines|菲律宾
africa|africa|非洲
middle east|middle east,dubai|中东,迪拜
asean|asean,southeast asia|东盟,东南亚
"""


def _compile(lines: str) -> list[tuple[str, re.Pattern]]:
    places = []
    for line in lines.strip().splitlines():
        place_id, english, chinese = line.split("|")
        _NAMES[place_id] = (place_id.title(), chinese.split(",")[0])
        names = [re.escape(name) for name in english.split(",")]
        latin = rf"(?<![a-z0-9])(?:{'|'.join(sorted(names, key=len, reverse=True))})(?![a-z0-9])"
        han = "|".join(re.escape(name) for name in chinese.split(","))
        places.append((place_id, re.compile(f"{latin}|{han}")))
    return places


_NAMES: dict[str, tuple[str, str]] = {}
PLACES = _compile(_PLACES)


def places_in(normalised: str) -> set[str]:
    """Ids of the places named in normalised (lower-case, simplified) text."""
    return {place_id for place_id, pattern in PLACES if pattern.search(normalised)}


def place_name(place_id: str, lang: str) -> str:
    english, chinese = _NAMES.get(place_id, (place_id, place_id))
    return chinese if lang == "zh" else english
