"""Plausible Chinese titles for a middle-school collection (pure).

The collection is a list of shelves, one per CLC class number a middle school holds. Each
shelf has a weight (how much of the collection it is), a few well-known works that every
school library owns (real titles with their real authors), and title templates filled from
word lists for the many ordinary books around them. Publishers are real Chinese publishers
with their ISBN registrant codes (after 978-7), so the generated ISBNs look like theirs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from shuxiang.demo import names

# name -> (ISBN registrant code after 978-7, place of publication)
PUBLISHERS: dict[str, tuple[str, str]] = {
    "人民出版社": ("01", "北京"),
    "人民文学出版社": ("02", "北京"),
    "科学出版社": ("03", "北京"),
    "高等教育出版社": ("04", "北京"),
    "商务印书馆": ("100", "北京"),
    "中华书局": ("101", "北京"),
    "人民美术出版社": ("102", "北京"),
    "人民音乐出版社": ("103", "北京"),
    "人民教育出版社": ("107", "北京"),
    "生活·读书·新知三联书店": ("108", "北京"),
    "中国农业出版社": ("109", "北京"),
    "科学普及出版社": ("110", "北京"),
    "机械工业出版社": ("111", "北京"),
    "人民交通出版社": ("114", "北京"),
    "人民邮电出版社": ("115", "北京"),
    "人民卫生出版社": ("117", "北京"),
    "电子工业出版社": ("121", "北京"),
    "化学工业出版社": ("122", "北京"),
    "北京大学出版社": ("301", "北京"),
    "清华大学出版社": ("302", "北京"),
    "北京师范大学出版社": ("303", "北京"),
    "中国大百科全书出版社": ("5000", "北京"),
    "中国社会科学出版社": ("5004", "北京"),
    "中国少年儿童出版社": ("5007", "北京"),
    "人民体育出版社": ("5009", "北京"),
    "中国地图出版社": ("5031", "北京"),
    "作家出版社": ("5063", "北京"),
    "中国环境出版社": ("5111", "北京"),
    "外语教学与研究出版社": ("5135", "北京"),
    "中国青年出版社": ("5153", "北京"),
    "少年儿童出版社": ("5324", "上海"),
    "上海古籍出版社": ("5325", "上海"),
    "上海辞书出版社": ("5326", "上海"),
    "上海译文出版社": ("5327", "上海"),
    "浙江少年儿童出版社": ("5342", "杭州"),
    "长江文艺出版社": ("5354", "武汉"),
    "湖南科学技术出版社": ("5357", "长沙"),
    "二十一世纪出版社": ("5391", "南昌"),
    "上海科技教育出版社": ("5428", "上海"),
    "译林出版社": ("5447", "南京"),
    "接力出版社": ("5448", "南宁"),
    "华东师范大学出版社": ("5617", "上海"),
}

LITERATURE_PUBLISHERS = (
    "人民文学出版社",
    "作家出版社",
    "长江文艺出版社",
    "中国青年出版社",
    "译林出版社",
)
CHILDREN_PUBLISHERS = (
    "少年儿童出版社",
    "中国少年儿童出版社",
    "浙江少年儿童出版社",
    "接力出版社",
    "二十一世纪出版社",
)
SCIENCE_PUBLISHERS = (
    "科学普及出版社",
    "科学出版社",
    "上海科技教育出版社",
    "湖南科学技术出版社",
    "化学工业出版社",
)
HISTORY_PUBLISHERS = (
    "中华书局",
    "人民出版社",
    "生活·读书·新知三联书店",
    "上海古籍出版社",
    "中国社会科学出版社",
)
EDUCATION_PUBLISHERS = (
    "人民教育出版社",
    "北京师范大学出版社",
    "华东师范大学出版社",
    "高等教育出版社",
)
TECH_PUBLISHERS = ("人民邮电出版社", "电子工业出版社", "清华大学出版社", "机械工业出版社")

# Transliterated names by the country a translated book comes from:
# (given names, family names, joined with a dot as Chinese editions print them).
FOREIGN_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "英": (
        ("约翰", "玛丽", "大卫", "露西", "亨利", "艾玛", "托马斯", "凯瑟琳"),
        ("史密斯", "布朗", "格林", "克拉克", "霍尔", "伍德"),
        "·",
    ),
    "美": (
        ("杰克", "艾米丽", "迈克尔", "莎拉", "丹尼尔", "安娜", "保罗"),
        ("怀特", "米勒", "贝克", "哈里斯", "莫里斯", "约翰逊"),
        "·",
    ),
    "法": (
        ("让", "玛丽", "皮埃尔", "苏菲", "路易", "克莱尔"),
        ("杜邦", "马丁", "贝尔纳", "勒菲弗", "莫罗"),
        "·",
    ),
    "俄": (
        ("伊万", "安娜", "谢尔盖", "娜塔莎", "亚历山大", "玛丽娅"),
        ("伊万诺夫", "彼得罗夫", "索科洛夫", "库兹涅佐夫"),
        "·",
    ),
    "日": (
        ("健太", "美咲", "浩二", "直子", "翔太", "由美", "雪子"),
        ("山田", "佐藤", "铃木", "高桥", "田中", "渡边"),
        "",
    ),
}


@dataclass(frozen=True)
class Work:
    """A well-known work: title, author, the author's country for translations, the role."""

    title: str
    author: str
    country: str = ""
    role: str = "著"
    publisher: str = ""  # the publisher known for it; else one of the shelf's


@dataclass(frozen=True)
class Shelf:
    clc: str
    weight: float
    templates: tuple[str, ...]
    words: dict[str, tuple[str, ...]]
    publishers: tuple[str, ...]
    works: tuple[Work, ...] = ()
    country: str = ""  # templated titles here are translations from this country
    reference: bool = False  # not for loan (工具书)
    teaching: bool = False  # kept in the teachers' reading room
    price_range: tuple[int, int] = (18, 48)
    pages_range: tuple[int, int] = (120, 360)
    author_role: str = "著"
    extra: dict[str, str] = field(default_factory=dict)


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PLACES = _w(
    "北方 南山 青石镇 白河 小城 江南 草原 雪山 海边 老街 桃花村 西岭 长河 山那边 故乡 柳树湾 石板路 云水间"
)
NOUNS = _w(
    "少年 往事 星光 灯火 河流 歌声 故事 来信 约定 远方 岁月 梦想 风筝 月光 麦田 飞鸟 小巷 背影 晚霞 钟声"
)
SEASONS = _w("春天 夏天 秋天 冬天 雨季 那年夏天 初雪时节 槐花开时 毕业季")
ADJS = _w("寂静的 遥远的 温暖的 勇敢的 明亮的 奔跑的 安静的 会飞的 不一样的 最后的 蓝色的")
ANIMALS = _w("小狐狸 白马 猎犬 麻雀 大熊猫 海豚 小狗 山羊 灰狼 猫头鹰 野鸭 骆驼")
SCI_VERBS = _w("的奥秘 探秘 趣谈 百问 简史 通识 漫游 图鉴")

SHELVES: tuple[Shelf, ...] = (
    Shelf(
        "A81",
        0.3,
        ("{t}学习读本", "{t}简明读本"),
        {"t": _w("马克思主义基本原理 中国特色社会主义理论 社会主义核心价值观")},
        ("人民出版社",),
        (Work("共产党宣言", "马克思、恩格斯"),),
    ),
    Shelf(
        "B222",
        1.0,
        ("{t}译注", "{t}精读", "{t}今读", "少年读{t}"),
        {"t": _w("论语 孟子 大学 中庸 荀子 诸子百家")},
        ("中华书局", "上海古籍出版社"),
        (
            Work("论语译注", "杨伯峻", role="译注", publisher="中华书局"),
            Work("孟子译注", "杨伯峻", role="译注", publisher="中华书局"),
            Work("老子今注今译", "陈鼓应", role="注译"),
        ),
    ),
    Shelf(
        "B84",
        1.4,
        ("青少年{t}", "{t}心理学", "写给中学生的{t}", "你的{t}"),
        {"t": _w("情绪管理 自我认识 学习心理 人际交往 压力应对 注意力训练 积极心理")},
        ("北京师范大学出版社", "华东师范大学出版社", "中国青年出版社"),
    ),
    Shelf(
        "B82",
        1.2,
        ("{t}的力量", "论{t}", "少年{t}读本", "{t}二十讲"),
        {"t": _w("诚信 勇气 感恩 坚持 责任 友善 自律 梦想")},
        ("中国青年出版社", "人民出版社"),
    ),
    Shelf(
        "D648",
        1.0,
        ("新时代{t}", "青少年{t}教育读本", "{t}知识问答"),
        {"t": _w("爱国主义 国家安全 民族团结 生态文明 社会主义核心价值观")},
        ("人民出版社", "人民教育出版社"),
    ),
    Shelf(
        "D920.5",
        1.2,
        ("青少年{t}", "{t}案例读本", "图说{t}"),
        {"t": _w("法律常识 未成年人保护 校园安全 民法典 网络安全法")},
        ("人民出版社", "中国青年出版社"),
        (Work("中华人民共和国民法典（大字版）", "全国人民代表大会", role="编"),),
    ),
    Shelf(
        "E29",
        0.8,
        ("中国{t}", "{t}图史", "话说{t}"),
        {"t": _w("古代战争 兵法故事 国防历史 抗日战争 海军发展")},
        ("人民出版社", "中国青年出版社"),
        (Work("孙子兵法", "孙武"),),
    ),
    Shelf(
        "E92",
        0.8,
        ("{t}图鉴", "世界{t}大全", "{t}的故事"),
        {"t": _w("战斗机 舰艇 坦克 轻武器 导弹 航空母舰")},
        ("化学工业出版社", "人民邮电出版社"),
    ),
    Shelf(
        "F0-49",
        1.0,
        ("给孩子的{t}", "{t}入门", "{t}趣谈", "漫画{t}"),
        {"t": _w("经济学 理财课 金融常识 商业故事 市场经济")},
        ("机械工业出版社", "北京大学出版社"),
    ),
    Shelf(
        "F12",
        0.8,
        ("中国{t}", "{t}的故事", "{t}四十年"),
        {"t": _w("乡村振兴 制造业 高铁 扶贫 改革开放 数字经济")},
        ("人民出版社", "中国社会科学出版社"),
    ),
    Shelf(
        "G634.3",
        1.6,
        ("初中语文{t}", "语文{t}"),
        {"t": _w("教学设计 课堂实录 阅读指导 作文教学 名著导读 古诗文解读")},
        EDUCATION_PUBLISHERS[:3],
        teaching=True,
    ),
    Shelf(
        "G634.6",
        1.2,
        ("初中数学{t}", "数学{t}"),
        {"t": _w("教学设计 解题方法 思维训练 课堂实录 竞赛辅导 趣味题集")},
        EDUCATION_PUBLISHERS[:3],
        teaching=True,
    ),
    Shelf(
        "G634.7",
        1.0,
        ("初中{s}{t}",),
        {"s": _w("物理 化学 生物 地理 历史"), "t": _w("教学设计 实验指导 课堂实录 知识手册")},
        EDUCATION_PUBLISHERS[:3],
        teaching=True,
    ),
    Shelf(
        "G634.41",
        0.8,
        ("初中英语{t}",),
        {"t": _w("教学设计 阅读教学 语法精讲 听说训练")},
        ("外语教学与研究出版社", "人民教育出版社"),
        teaching=True,
    ),
    Shelf(
        "G44",
        1.0,
        ("{t}的家庭教育", "给父母的{t}指南", "{t}与学习"),
        {"t": _w("青春期 有效沟通 自主学习 习惯养成")},
        ("北京师范大学出版社", "华东师范大学出版社"),
    ),
    Shelf(
        "G252",
        0.8,
        ("{t}",),
        {"t": _w("如何阅读一本书 阅读的力量 整本书阅读 书香校园 读书笔记")},
        ("商务印书馆", "北京大学出版社"),
        (Work("如何阅读一本书", "莫提默·J.艾德勒", "美", publisher="商务印书馆"),),
    ),
    Shelf(
        "G84",
        1.2,
        ("{t}入门", "{t}技巧图解", "跟我学{t}"),
        {"t": _w("篮球 足球 排球 乒乓球 羽毛球 跳绳 田径 游泳")},
        ("人民体育出版社",),
    ),
    Shelf(
        "G852",
        0.6,
        ("{t}", "{t}基础教程"),
        {"t": _w("太极拳 少年拳 武术 八段锦")},
        ("人民体育出版社",),
    ),
    Shelf(
        "G12",
        1.0,
        ("中国{t}", "{t}的故事", "话说{t}"),
        {"t": _w("传统节日 二十四节气 民俗 茶文化 传统服饰 非物质文化遗产")},
        ("中华书局", "商务印书馆", "生活·读书·新知三联书店"),
    ),
    Shelf(
        "H12",
        0.9,
        ("汉字{t}", "{t}里的汉字", "说文解字{t}"),
        {"t": _w("的故事 源流 趣谈 密码 百讲")},
        ("中华书局", "商务印书馆"),
    ),
    Shelf(
        "H136.3",
        0.9,
        ("成语{t}", "{t}成语故事"),
        {"t": _w("故事 典故 接龙 大全 中华")},
        ("中华书局", "少年儿童出版社"),
    ),
    Shelf(
        "H15",
        0.9,
        ("中学生{t}", "{t}一本通", "{t}指导"),
        {"t": _w("作文 议论文写作 记叙文写作 满分作文 演讲与口才")},
        ("华东师范大学出版社", "北京师范大学出版社"),
    ),
    Shelf(
        "H319.4",
        1.6,
        ("英语{t}", "{t}英语读物"),
        {"t": _w("分级阅读 美文 故事 名著简写 科普 双语")},
        ("外语教学与研究出版社", "上海译文出版社"),
    ),
    Shelf(
        "H16",
        0.9,
        (),
        {},
        ("商务印书馆", "上海辞书出版社"),
        (
            Work("新华字典", "中国社会科学院语言研究所", role="编", publisher="商务印书馆"),
            Work(
                "现代汉语词典",
                "中国社会科学院语言研究所词典编辑室",
                role="编",
                publisher="商务印书馆",
            ),
            Work("古汉语常用字字典", "王力", role="主编", publisher="商务印书馆"),
            Work("现代汉语规范词典", "李行健", role="主编"),
        ),
        reference=True,
        price_range=(40, 120),
        pages_range=(700, 1800),
    ),
    Shelf(
        "H316",
        0.6,
        (),
        {},
        ("商务印书馆", "外语教学与研究出版社"),
        (
            Work("牛津高阶英汉双解词典", "霍恩比", "英", publisher="商务印书馆"),
            Work("新英汉词典", "《新英汉词典》编写组", role="编", publisher="上海译文出版社"),
            Work(
                "朗文当代高级英语辞典",
                "朗文出版公司",
                "英",
                role="编",
                publisher="外语教学与研究出版社",
            ),
        ),
        reference=True,
        price_range=(60, 180),
        pages_range=(900, 2400),
    ),
    Shelf(
        "I206",
        1.2,
        ("{t}", "{t}二十讲", "{t}鉴赏"),
        {"t": _w("中国文学史 唐宋文学 古诗词 现代文学 名著导读 红楼梦")},
        ("北京大学出版社", "人民文学出版社", "中华书局"),
        (Work("人间词话", "王国维"), Work("经典常谈", "朱自清")),
    ),
    Shelf(
        "I222",
        2.0,
        ("{t}选", "{t}鉴赏辞典", "{t}三百首", "给孩子的{t}"),
        {"t": _w("唐诗 宋词 元曲 诗经 楚辞 古诗")},
        ("中华书局", "上海古籍出版社", "人民文学出版社"),
        (
            Work("唐诗三百首", "蘅塘退士", role="编"),
            Work("宋词三百首", "上彊村民", role="编"),
            Work("诗经", "王秀梅", role="译注"),
        ),
    ),
    Shelf(
        "I226",
        1.5,
        ("{a}{n}", "{s}的诗", "{n}诗集"),
        {"a": ADJS, "n": NOUNS, "s": SEASONS},
        LITERATURE_PUBLISHERS[:3],
        (Work("繁星·春水", "冰心"), Work("艾青诗选", "艾青"), Work("女神", "郭沫若")),
    ),
    Shelf(
        "I210",
        1.0,
        (),
        {},
        ("人民文学出版社",),
        (
            Work("朝花夕拾", "鲁迅"),
            Work("呐喊", "鲁迅"),
            Work("彷徨", "鲁迅"),
            Work("故事新编", "鲁迅"),
        ),
    ),
    Shelf(
        "I242",
        2.0,
        ("{t}（青少版）", "{t}导读本"),
        {"t": _w("西游记 三国演义 水浒传 红楼梦 聊斋志异")},
        ("人民文学出版社", "上海古籍出版社", "中华书局"),
        (
            Work("红楼梦", "曹雪芹"),
            Work("西游记", "吴承恩"),
            Work("水浒传", "施耐庵"),
            Work("三国演义", "罗贯中"),
            Work("儒林外史", "吴敬梓"),
            Work("聊斋志异", "蒲松龄"),
        ),
    ),
    Shelf(
        "I246",
        2.0,
        (),
        {},
        ("人民文学出版社", "作家出版社"),
        (
            Work("骆驼祥子", "老舍"),
            Work("四世同堂", "老舍"),
            Work("家", "巴金"),
            Work("围城", "钱锺书"),
            Work("子夜", "茅盾"),
            Work("边城", "沈从文"),
            Work("城南旧事", "林海音"),
            Work("茶馆", "老舍"),
            Work("雷雨", "曹禺"),
        ),
    ),
    Shelf(
        "I247.5",
        6.0,
        ("{p}{n}", "{s}的{n}", "{a}{n}", "{p}往事", "那些{s}的{n}", "{n}与{n2}"),
        {"p": PLACES, "n": NOUNS, "n2": NOUNS, "s": SEASONS, "a": ADJS},
        LITERATURE_PUBLISHERS,
        (
            Work("平凡的世界", "路遥"),
            Work("红岩", "罗广斌、杨益言"),
            Work("活着", "余华"),
            Work("白鹿原", "陈忠实"),
            Work("林海雪原", "曲波"),
            Work("闪闪的红星", "李心田"),
        ),
    ),
    Shelf(
        "I247.7",
        3.0,
        ("{a}{n}", "{p}的{n}", "{n}集", "{s}短篇"),
        {"p": PLACES, "n": NOUNS, "s": SEASONS, "a": ADJS},
        LITERATURE_PUBLISHERS,
    ),
    Shelf(
        "I266",
        3.5,
        ("{p}散记", "{n}笔记", "在{p}遇见{n}", "{s}随笔", "{a}{n}"),
        {"p": PLACES, "n": NOUNS, "s": SEASONS, "a": ADJS},
        LITERATURE_PUBLISHERS[:4] + ("生活·读书·新知三联书店",),
        (
            Work("湘行散记", "沈从文"),
            Work("傅雷家书", "傅雷"),
            Work("背影", "朱自清"),
            Work("从百草园到三味书屋", "鲁迅"),
            Work("文化苦旅", "余秋雨"),
        ),
    ),
    Shelf(
        "I287",
        5.0,
        ("{a}{x}", "{x}的{n}", "我和{x}的{s}", "{p}的{x}", "{x}历险记"),
        {"a": ADJS, "x": ANIMALS, "n": NOUNS, "s": SEASONS, "p": PLACES},
        CHILDREN_PUBLISHERS,
        (
            Work("草房子", "曹文轩"),
            Work("青铜葵花", "曹文轩"),
            Work("皮皮鲁传", "郑渊洁"),
            Work("稻草人", "叶圣陶"),
            Work("小兵张嘎", "徐光耀"),
        ),
    ),
    Shelf(
        "I313",
        1.5,
        ("{a}{n}", "{p}物语", "{p}的{n}"),
        {"a": ADJS, "n": NOUNS, "p": _w("京都 小镇 海岸 雪国 森林 列车")},
        ("上海译文出版社", "译林出版社", "人民文学出版社"),
        (Work("窗边的小豆豆", "黑柳彻子", "日"), Work("我是猫", "夏目漱石", "日")),
        country="日",
    ),
    Shelf(
        "I512",
        1.5,
        ("{a}{n}", "{p}的{n}"),
        {"a": ADJS, "n": NOUNS, "p": _w("伏尔加河 西伯利亚 草原 白桦林 莫斯科")},
        ("人民文学出版社", "译林出版社"),
        (
            Work("钢铁是怎样炼成的", "尼·奥斯特洛夫斯基", "苏"),
            Work("童年", "高尔基", "苏"),
            Work("在人间", "高尔基", "苏"),
            Work("我的大学", "高尔基", "苏"),
        ),
        country="俄",
    ),
    Shelf(
        "I561",
        2.0,
        ("{a}{n}", "{p}的{n}", "{x}的{n}"),
        {"a": ADJS, "n": NOUNS, "x": ANIMALS, "p": _w("伦敦 荒原 古堡 庄园 小岛")},
        ("人民文学出版社", "译林出版社", "上海译文出版社"),
        (
            Work("简·爱", "夏洛蒂·勃朗特", "英"),
            Work("鲁滨逊漂流记", "笛福", "英"),
            Work("格列佛游记", "斯威夫特", "英"),
            Work("雾都孤儿", "狄更斯", "英"),
            Work("爱丽丝漫游奇境", "刘易斯·卡罗尔", "英"),
        ),
        country="英",
    ),
    Shelf(
        "I565",
        1.8,
        ("{a}{n}", "{p}的{n}"),
        {"a": ADJS, "n": NOUNS, "p": _w("巴黎 塞纳河 普罗旺斯 海岛")},
        ("人民文学出版社", "译林出版社", "上海译文出版社"),
        (
            Work("海底两万里", "儒勒·凡尔纳", "法"),
            Work("八十天环游地球", "儒勒·凡尔纳", "法"),
            Work("悲惨世界", "雨果", "法"),
            Work("巴黎圣母院", "雨果", "法"),
            Work("小王子", "圣埃克苏佩里", "法"),
            Work("名人传", "罗曼·罗兰", "法"),
        ),
        country="法",
    ),
    Shelf(
        "I712",
        2.2,
        ("{a}{n}", "{x}的{n}", "{p}的{s}"),
        {
            "a": ADJS,
            "n": NOUNS,
            "s": SEASONS,
            "x": ANIMALS,
            "p": _w("密西西比河 荒野 小镇 农场 西部"),
        },
        ("人民文学出版社", "译林出版社", "上海译文出版社", "接力出版社"),
        (
            Work("老人与海", "海明威", "美"),
            Work("汤姆·索亚历险记", "马克·吐温", "美"),
            Work("假如给我三天光明", "海伦·凯勒", "美"),
            Work("夏洛的网", "E.B.怀特", "美"),
            Work("野性的呼唤", "杰克·伦敦", "美"),
        ),
        country="美",
    ),
    Shelf(
        "J292",
        1.0,
        ("{c}{s}字帖", "{s}入门", "{c}{s}临摹"),
        {"c": _w("颜真卿 柳公权 欧阳询 王羲之 赵孟頫"), "s": _w("楷书 行书 硬笔书法 毛笔书法")},
        ("人民美术出版社", "上海古籍出版社"),
    ),
    Shelf(
        "J2",
        1.4,
        ("{t}入门", "少儿{t}", "{t}技法"),
        {"t": _w("素描 水彩画 国画 速写 漫画 色彩")},
        ("人民美术出版社",),
    ),
    Shelf(
        "J6",
        1.2,
        ("{t}", "{t}欣赏", "{t}入门"),
        {"t": _w("中外名曲 古典音乐 民族乐器 合唱 钢琴 竖笛")},
        ("人民音乐出版社",),
    ),
    Shelf(
        "J9",
        0.6,
        ("{t}",),
        {"t": _w("电影之美 经典动画 中国电影史 看电影学写作")},
        ("北京大学出版社", "生活·读书·新知三联书店"),
    ),
    Shelf(
        "K20",
        2.0,
        ("中国{t}", "少年读中国{t}", "图说中国{t}"),
        {"t": _w("通史 古代史 近代史 文明史 历史故事 朝代史 历史地图")},
        HISTORY_PUBLISHERS,
        (
            Work("中国通史", "吕思勉"),
            Work("国史大纲", "钱穆"),
            Work("上下五千年", "林汉达、曹余章"),
        ),
    ),
    Shelf(
        "K204",
        1.0,
        ("{t}", "{t}选读", "少年读{t}"),
        {"t": _w("史记 资治通鉴 左传 战国策 汉书")},
        ("中华书局", "上海古籍出版社"),
        (
            Work("史记", "司马迁", publisher="中华书局"),
            Work("资治通鉴", "司马光", publisher="中华书局"),
        ),
    ),
    Shelf(
        "K23",
        2.0,
        ("{d}{t}", "话说{d}", "{d}的{t}"),
        {
            "d": _w("先秦 秦汉 三国 魏晋 大唐 两宋 元朝 大明 清朝"),
            "t": _w("风云 人物志 往事 兴亡 生活 故事"),
        },
        HISTORY_PUBLISHERS,
    ),
    Shelf(
        "K1",
        1.5,
        ("世界{t}", "图说世界{t}", "{p}简史", "{p}的故事"),
        {
            "t": _w("通史 文明史 古代史 近代史"),
            "p": _w("古希腊 古罗马 大航海时代 工业革命 丝绸之路 文艺复兴"),
        },
        ("商务印书馆", "人民出版社", "上海译文出版社"),
    ),
    Shelf(
        "K82",
        2.5,
        ("{f}传", "{f}的故事", "{f}评传", "少年{f}"),
        {
            "f": _w(
                "孔子 屈原 司马迁 李白 杜甫 苏轼 李时珍 郑和 林则徐 詹天佑 钱学森 邓稼先 袁隆平 华罗庚 竺可桢"
            )
        },
        HISTORY_PUBLISHERS + ("中国青年出版社",),
        (Work("苏东坡传", "林语堂"),),
    ),
    Shelf(
        "K81",
        1.0,
        ("{f}传", "{f}的一生"),
        {"f": _w("爱因斯坦 居里夫人 牛顿 达尔文 贝多芬 林肯 爱迪生 诺贝尔")},
        ("商务印书馆", "人民文学出版社", "译林出版社"),
        (Work("人类群星闪耀时", "茨威格", "奥"),),
    ),
    Shelf(
        "K92",
        1.6,
        ("{p}地理", "走遍{p}", "{p}风物", "中国{p}"),
        {"p": _w("中国 长江 黄河 西藏 新疆 江南 东北 岭南 名山 古镇")},
        ("中国地图出版社", "商务印书馆"),
    ),
    Shelf(
        "K87",
        0.5,
        ("{t}", "{t}考古记", "走进{t}"),
        {"t": _w("三星堆 兵马俑 殷墟 敦煌 长城 故宫")},
        ("生活·读书·新知三联书店", "中华书局"),
    ),
    Shelf(
        "N49",
        2.0,
        ("{t}{v}", "十万个为什么·{t}", "少年{t}", "身边的{t}"),
        {"t": _w("科学 发明 科学家 科学实验 未解之谜 自然"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
        (Work("万物简史", "比尔·布莱森", "美"),),
    ),
    Shelf(
        "O1-49",
        1.4,
        ("{t}{v}", "好玩的{t}", "从{t}到无穷"),
        {"t": _w("数学 几何 概率 数论 数字 图形 逻辑"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS + ("北京大学出版社",),
        (Work("从一到无穷大", "乔治·伽莫夫", "美"), Work("数学家的眼光", "张景中")),
    ),
    Shelf(
        "O4-49",
        1.2,
        ("{t}{v}", "有趣的{t}", "{t}世界"),
        {"t": _w("物理 光 电 磁 力学 声音 能量 量子"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
    ),
    Shelf(
        "O6-49",
        1.0,
        ("{t}{v}", "生活中的{t}", "{t}实验"),
        {"t": _w("化学 元素 分子 化学反应 周期表"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
    ),
    Shelf(
        "P1-49",
        1.3,
        ("{t}{v}", "仰望{t}", "{t}观测指南"),
        {"t": _w("宇宙 星空 太阳系 黑洞 银河 月球 火星"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
        (Work("时间简史", "史蒂芬·霍金", "英", publisher="湖南科学技术出版社"),),
    ),
    Shelf(
        "P4",
        0.8,
        ("{t}{v}", "{t}与生活"),
        {"t": _w("天气 气候 台风 雷电 云"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
    ),
    Shelf(
        "P5",
        0.8,
        ("{t}{v}", "{t}与地球"),
        {"t": _w("火山 地震 岩石 化石 矿物 板块"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
    ),
    Shelf(
        "Q-49",
        1.2,
        ("{t}{v}", "奇妙的{t}"),
        {"t": _w("生命 细胞 基因 进化 人体 微生物"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
        (Work("物种起源", "达尔文", "英"),),
    ),
    Shelf(
        "Q95-49",
        1.5,
        ("{t}{v}", "{t}王国", "{t}图鉴"),
        {"t": _w("动物 恐龙 昆虫 鸟类 海洋生物 哺乳动物"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
        (Work("昆虫记", "法布尔", "法"),),
    ),
    Shelf(
        "Q94-49",
        1.0,
        ("{t}{v}", "{t}图鉴", "神奇的{t}"),
        {"t": _w("植物 花卉 树木 种子 森林"), "v": SCI_VERBS},
        SCIENCE_PUBLISHERS,
    ),
    Shelf(
        "R16",
        0.8,
        ("中学生{t}", "青春期{t}"),
        {"t": _w("健康手册 营养指南 用眼卫生 睡眠指南 心理健康")},
        ("人民卫生出版社", "科学普及出版社"),
    ),
    Shelf(
        "R459.7",
        0.5,
        ("{t}", "{t}指南"),
        {"t": _w("急救常识 校园急救 家庭急救 安全自救")},
        ("人民卫生出版社",),
    ),
    Shelf(
        "S-49",
        0.8,
        ("{t}的故事", "{t}种植", "走进{t}"),
        {"t": _w("水稻 小麦 茶叶 蔬菜 果树 农业")},
        ("中国农业出版社",),
    ),
    Shelf(
        "TP3",
        1.8,
        ("{l}编程入门", "{l}少儿编程", "{l}趣味编程", "{t}"),
        {
            "l": _w("Python Scratch C++ 图形化"),
            "t": _w("人工智能入门 计算机科学 算法图解 信息技术 机器人制作"),
        },
        TECH_PUBLISHERS,
    ),
    Shelf(
        "TB",
        0.8,
        ("{t}", "{t}的故事", "身边的{t}"),
        {"t": _w("发明创造 工程 材料 测量 桥梁 建筑")},
        TECH_PUBLISHERS + ("科学普及出版社",),
    ),
    Shelf(
        "TN",
        0.6,
        ("{t}入门", "{t}的故事"),
        {"t": _w("电子制作 无线电 通信技术 芯片")},
        TECH_PUBLISHERS,
    ),
    Shelf(
        "U",
        0.7,
        ("{t}的故事", "{t}图鉴", "中国{t}"),
        {"t": _w("高铁 汽车 船舶 桥梁 铁路 交通")},
        ("人民交通出版社", "化学工业出版社"),
    ),
    Shelf(
        "V4",
        0.8,
        ("中国{t}", "{t}的故事", "{t}探秘"),
        {"t": _w("航天 载人航天 探月工程 火箭 空间站 北斗")},
        ("科学普及出版社", "中国青年出版社"),
    ),
    Shelf(
        "X-49",
        0.8,
        ("{t}", "{t}与我们", "保护{t}"),
        {"t": _w("环境保护 垃圾分类 地球家园 水资源 绿色生活 生物多样性")},
        ("中国环境出版社", "科学普及出版社"),
        (Work("寂静的春天", "蕾切尔·卡森", "美"),),
    ),
    Shelf(
        "Z228",
        1.0,
        ("{t}", "少年{t}"),
        {"t": _w("百科全书 儿童百科 科学百科 知识百科")},
        ("中国大百科全书出版社", "少年儿童出版社"),
        (
            Work("十万个为什么", "韩启德", role="主编", publisher="少年儿童出版社"),
            Work("中国少年儿童百科全书", "林崇德", role="主编"),
        ),
        reference=True,
        price_range=(68, 198),
        pages_range=(300, 900),
    ),
    Shelf(
        "Z32",
        0.4,
        ("{t}",),
        {"t": _w("中国大百科全书 中华文化百科 中国历史百科")},
        ("中国大百科全书出版社",),
        reference=True,
        price_range=(120, 380),
        pages_range=(600, 1500),
    ),
)

PUBLISHED_YEARS = list(range(1990, 2027))
# More recent books: weights rise with the year (weeding clears the old ones).
YEAR_WEIGHTS = [1 + (year - 1990) ** 1.3 for year in PUBLISHED_YEARS]


def shelf_table() -> tuple[list[Shelf], list[float]]:
    total, cumulative = 0.0, []
    for shelf in SHELVES:
        total += shelf.weight
        cumulative.append(total)
    return list(SHELVES), cumulative


def fill(rng: random.Random, shelf: Shelf) -> str:
    """A templated title; the same word is not used twice in one title."""
    template = rng.choice(shelf.templates)
    used: set[str] = set()
    values: dict[str, str] = {}
    for key, words in shelf.words.items():
        choice = rng.choice(words)
        for _attempt in range(4):
            if choice not in used:
                break
            choice = rng.choice(words)
        used.add(choice)
        values[key] = choice
    return template.format(**values)


def foreign_name(rng: random.Random, country: str) -> str:
    given, family, dot = FOREIGN_NAMES[country]
    if dot:
        return f"{rng.choice(given)}{dot}{rng.choice(family)}"
    return rng.choice(family) + rng.choice(given)


def chinese_author(rng: random.Random) -> str:
    return names.person(rng)[0]


def isbn13(prefix12: str) -> str:
    """The ISBN-13 with its check digit: weights 1,3,1,3... over the first twelve digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(prefix12))
    return prefix12 + str((10 - total % 10) % 10)
