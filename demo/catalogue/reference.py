"""Reference data of the demo catalogue: suppliers, warehouses, holidays, product categories."""

from __future__ import annotations

from dataclasses import dataclass

# Demand classes (stored nowhere: the planner classifies the history itself).
SMOOTH, WEEKLY, TRENDING, INTERMITTENT, PROMO = range(5)
CLASS_NAMES = ("smooth", "weekly", "trending", "intermittent", "promo")
CLASS_SHARES = (0.30, 0.22, 0.15, 0.22, 0.11)


# code, name, city, domestic?, lead mean range (days), cycle days
SUPPLIERS: tuple[tuple[str, str, str, bool], ...] = (
    ("SUP-TEKSTIL", "ООО «Текстиль-Профи»", "Иваново", True),
    ("SUP-BYTHIM", "АО «Бытхим-Сервис»", "Дзержинск", True),
    ("SUP-DOMPOSUDA", "ООО «Дом и Посуда»", "Москва", True),
    ("SUP-KANZ", "ООО «КанцОпт»", "Санкт-Петербург", True),
    ("SUP-SPORT", "ООО «Спорт-Линия»", "Екатеринбург", True),
    ("SUP-ZOO", "ИП Морозова (Зоотовары)", "Казань", True),
    ("SUP-SHENZHEN", "Shenzhen Bright Electronics Co.", "Shenzhen", False),
    ("SUP-YIWU", "Yiwu Happy Home Trading Co.", "Yiwu", False),
    ("SUP-GUANGZHOU", "Guangzhou Lucky Toys Ltd.", "Guangzhou", False),
    ("SUP-NINGBO", "Ningbo Sunrise Outdoor Co.", "Ningbo", False),
    ("SUP-ISTANBUL", "Istanbul Tekstil A.Ş.", "Istanbul", False),
    ("SUP-TASHKENT", "Tashkent Cotton LLC", "Tashkent", False),
)

# code, kind, name, time zone, cut-off, working days, transit days
WAREHOUSES: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    ("MSK-1", "own", "Склад Москва (Подольск)", "Europe/Moscow", "14:00", "12345", 0),
    ("EKB-1", "own", "Склад Екатеринбург", "Asia/Yekaterinburg", "12:00", "123456", 0),
    ("OZON-KHORUGVINO", "fbo", "Ozon Хоругвино", "Europe/Moscow", "23:59", "1234567", 2),
    ("OZON-TVER", "fbo", "Ozon Тверь", "Europe/Moscow", "23:59", "1234567", 3),
    ("OZON-KAZAN", "fbo", "Ozon Казань", "Europe/Moscow", "23:59", "1234567", 5),
)

# Fixed-date Russian public holidays (the government's day transfers vary by year).
HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    *((1, d, "Новогодние каникулы") for d in range(1, 7)),
    (1, 7, "Рождество Христово"),
    (1, 8, "Новогодние каникулы"),
    (2, 23, "День защитника Отечества"),
    (3, 8, "Международный женский день"),
    (5, 1, "Праздник Весны и Труда"),
    (5, 9, "День Победы"),
    (6, 12, "День России"),
    (11, 4, "День народного единства"),
)


@dataclass(frozen=True)
class Category:
    code: str
    noun: str
    price: float  # typical sale price, RUB
    weight_kg: float
    volume_l: float
    packs: tuple[int, ...]
    import_share: float  # share of SKUs bought abroad
    return_rate: float
    options: tuple[str, ...]
    season_peak_day: int = 0  # day of year of the seasonal peak; 0 = not seasonal
    season_amplitude: float = 0.0


CATEGORIES: tuple[Category, ...] = (
    Category("CASE", "Чехол для смартфона", 590, 0.05, 0.2, (1, 12, 24), 0.9, 0.04,
              ("iPhone 15", "iPhone 14", "Galaxy S24", "Redmi Note 13", "Pixel 8")),
    Category("CABL", "Кабель USB-C", 390, 0.06, 0.15, (1, 12, 24, 48), 0.9, 0.03,
              ("1 м", "2 м", "3 м")),
    Category("PWRB", "Внешний аккумулятор", 1990, 0.3, 0.4, (1, 6, 12), 1.0, 0.05,
              ("10000 мА·ч", "20000 мА·ч")),
    Category("EARB", "Беспроводные наушники", 2490, 0.1, 0.3, (1, 6, 12), 1.0, 0.08, ("TWS",)),
    Category("LAMP", "Настольная LED-лампа", 1790, 0.9, 3.5, (1, 6), 0.8, 0.04, ("10 Вт", "15 Вт")),
    Category("TOWL", "Полотенце махровое", 690, 0.4, 1.2, (1, 6, 12), 0.3, 0.05,
              ("50×90", "70×140")),
    Category("BEDL", "Комплект постельного белья", 2990, 1.5, 4.0, (1, 6), 0.3, 0.06,
              ("1,5-спальный", "2-спальный", "евро")),
    Category("TSHR", "Футболка хлопковая", 890, 0.2, 0.6, (1, 12, 24), 0.4, 0.15,
              ("S", "M", "L", "XL"), 200, 0.3),
    Category("SOCK", "Носки, 5 пар", 490, 0.2, 0.4, (1, 12, 24), 0.2, 0.04, ("36–39", "40–45")),
    Category("BOTL", "Бутылка для воды", 790, 0.25, 1.0, (1, 12, 24), 0.7, 0.03,
              ("500 мл", "750 мл"), 190, 0.35),
    Category("THRM", "Термос", 1490, 0.5, 1.5, (1, 6, 12), 0.8, 0.04, ("500 мл", "1 л"), 20, 0.4),
    Category("PAN", "Сковорода антипригарная", 1890, 1.2, 4.0, (1, 6), 0.5, 0.04,
              ("24 см", "26 см", "28 см")),
    Category("BOARD", "Разделочная доска", 590, 0.6, 1.2, (1, 6, 12), 0.1, 0.02, ("бамбук", "бук")),
    Category("YOGA", "Коврик для йоги", 1290, 1.0, 6.0, (1, 6), 0.6, 0.05, ("4 мм", "6 мм"), 15, 0.3),
    Category("BACKP", "Рюкзак городской", 2490, 0.7, 12.0, (1, 6), 0.8, 0.07, ("20 л", "30 л"),
              235, 0.4),
    Category("SHMP", "Шампунь", 450, 0.45, 0.5, (1, 12, 24), 0.0, 0.01, ("250 мл", "400 мл")),
    Category("CREM", "Крем для рук", 290, 0.1, 0.12, (1, 24, 48), 0.0, 0.01, ("50 мл", "75 мл")),
    Category("DOGT", "Игрушка для собак", 390, 0.15, 0.5, (1, 12, 24), 0.7, 0.03, ("S", "M", "L")),
    Category("NOTE", "Блокнот A5", 250, 0.2, 0.3, (1, 24, 48), 0.1, 0.02, ("в клетку", "в линейку"),
              245, 0.5),
    Category("TOYC", "Конструктор детский", 1590, 0.6, 2.5, (1, 6, 12), 0.9, 0.03,
              ("120 деталей", "350 деталей"), 355, 0.8),
    Category("GARL", "Гирлянда светодиодная", 690, 0.3, 0.8, (1, 12, 24), 1.0, 0.04,
              ("5 м", "10 м"), 350, 0.95),
    Category("SUNS", "Солнцезащитные очки", 990, 0.05, 0.3, (1, 12), 0.9, 0.06,
              ("UV400",), 175, 0.9),
)  # fmt: skip

BRANDS = ("Nordlight", "Urbanka", "Tayga", "Domovoy", "Sever", "Volna", "Lisa", "Kedr", "Pixel",
           "Bobr", "Zarya", "Mishka")  # fmt: skip
COLOURS = ("чёрный", "белый", "серый", "синий", "красный", "зелёный", "бежевый", "розовый")
# Suppliers that carry each category: domestic first, then import.
DOMESTIC_BY_PREFIX = {
    "TOWL": "SUP-TEKSTIL", "BEDL": "SUP-TEKSTIL", "TSHR": "SUP-TEKSTIL", "SOCK": "SUP-TEKSTIL",
    "SHMP": "SUP-BYTHIM", "CREM": "SUP-BYTHIM", "PAN": "SUP-DOMPOSUDA", "BOARD": "SUP-DOMPOSUDA",
    "THRM": "SUP-DOMPOSUDA", "BOTL": "SUP-DOMPOSUDA", "NOTE": "SUP-KANZ", "YOGA": "SUP-SPORT",
    "BACKP": "SUP-SPORT", "DOGT": "SUP-ZOO",
}  # fmt: skip
IMPORT_BY_PREFIX = {
    "CASE": "SUP-SHENZHEN", "CABL": "SUP-SHENZHEN", "PWRB": "SUP-SHENZHEN", "EARB": "SUP-SHENZHEN",
    "LAMP": "SUP-YIWU", "PAN": "SUP-YIWU", "THRM": "SUP-YIWU", "BOTL": "SUP-NINGBO",
    "TOYC": "SUP-GUANGZHOU", "DOGT": "SUP-GUANGZHOU", "GARL": "SUP-YIWU", "SUNS": "SUP-NINGBO",
    "YOGA": "SUP-NINGBO", "BACKP": "SUP-NINGBO", "TOWL": "SUP-ISTANBUL", "BEDL": "SUP-ISTANBUL",
    "TSHR": "SUP-TASHKENT", "SOCK": "SUP-TASHKENT", "BOARD": "SUP-YIWU", "NOTE": "SUP-YIWU",
}  # fmt: skip
