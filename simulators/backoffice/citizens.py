"""Fictional Indonesian citizens, families and businesses, for the back-office simulator.

Everything is generated from a seeded random source: names are drawn from
common given names and family names and combined at random, numbers only
have the shape of the real ones (a NIK's region, birth date and sex digits
are consistent, its serial is random), addresses use generic street and
village names. No real person is described.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")

MALE_NAMES = ("Budi", "Agus", "Andi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rizky", "Dimas",
              "Bayu", "Arif", "Teguh", "Wahyu", "Surya", "Rudi", "Slamet", "Yusuf", "Hasan", "Bambang",
              "Gilang", "Rangga", "Adi", "Taufik", "Iwan", "Galih", "Aditya", "Reza", "Ilham", "Made",
              "Putu", "Ketut", "Wayan", "Yohanes", "Stefanus", "Daniel", "Fransiskus", "Hamzah", "Ridwan")
FEMALE_NAMES = ("Siti", "Dewi", "Sri", "Ayu", "Putri", "Rina", "Wulan", "Indah", "Lestari", "Fitri",
                "Ratna", "Yuni", "Anisa", "Kartika", "Nabila", "Aisyah", "Maya", "Nurul", "Intan", "Citra",
                "Dian", "Endang", "Wati", "Novi", "Rahma", "Salsabila", "Nadia", "Larasati", "Kadek",
                "Komang", "Maria", "Theresia", "Agnes", "Ruth", "Yohana", "Annisa", "Melati", "Sekar")
MALE_MIDDLE_NAMES = ("Dwi", "Tri", "Eka", "Adi", "Putra", "Indra", "Cahya", "Bagus", "Wahyu", "Ari",
                     "Rizki", "Nur")
FEMALE_MIDDLE_NAMES = ("Dwi", "Tri", "Eka", "Nur", "Putri", "Sari", "Ayu", "Dewi", "Puspa", "Fitri",
                       "Cahya", "Wulan")
FAMILY_NAMES = ("Santoso", "Wijaya", "Saputra", "Hidayat", "Kusuma", "Pratama", "Setiawan", "Nugroho",
                "Siregar", "Nasution", "Simanjuntak", "Harahap", "Lubis", "Sitompul", "Purba", "Ginting",
                "Tarigan", "Manurung", "Wibowo", "Gunawan", "Permana", "Rahman", "Hakim", "Sembiring",
                "Susanto", "Halim", "Wirawan", "Ramadhan", "Firmansyah", "Kurniawan", "Utami", "Rahayu",
                "Handayani", "Maharani", "Lestari", "Pangaribuan", "Tambunan", "Sinaga", "Pohan", "Daulay")

# Regions: (NIK region code, city or regency, province). The codes are the
# public administrative codes; nothing personal.
REGIONS = (
    ("317401", "Kota Jakarta Selatan", "DKI Jakarta"), ("317104", "Kota Jakarta Pusat", "DKI Jakarta"),
    ("327302", "Kota Bandung", "Jawa Barat"), ("320410", "Kabupaten Bandung", "Jawa Barat"),
    ("337405", "Kota Semarang", "Jawa Tengah"), ("357806", "Kota Surabaya", "Jawa Timur"),
    ("357303", "Kota Malang", "Jawa Timur"), ("347102", "Kota Yogyakarta", "DI Yogyakarta"),
    ("340404", "Kabupaten Sleman", "DI Yogyakarta"), ("127506", "Kota Medan", "Sumatera Utara"),
    ("167104", "Kota Palembang", "Sumatera Selatan"), ("147101", "Kota Pekanbaru", "Riau"),
    ("737105", "Kota Makassar", "Sulawesi Selatan"), ("517102", "Kota Denpasar", "Bali"),
    ("647103", "Kota Balikpapan", "Kalimantan Timur"), ("527101", "Kota Mataram", "Nusa Tenggara Barat"),
)
BIRTH_PLACES = ("Jakarta", "Bandung", "Semarang", "Surabaya", "Malang", "Yogyakarta", "Medan", "Palembang",
                "Pekanbaru", "Makassar", "Denpasar", "Balikpapan", "Mataram", "Bogor", "Depok", "Bekasi",
                "Tangerang", "Solo", "Kediri", "Padang", "Manado", "Pontianak", "Banjarmasin", "Cirebon")
STREETS = ("Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Anggrek", "Jl. Flamboyan", "Jl. Cempaka",
           "Jl. Merdeka", "Jl. Pahlawan", "Jl. Veteran", "Jl. Kartini", "Jl. Nusantara", "Jl. Pelita",
           "Jl. Kebon Jeruk", "Jl. Cendrawasih", "Jl. Rajawali", "Jl. Teratai", "Gg. Mangga", "Gg. Delima",
           "Jl. Bougenville", "Jl. Sawo", "Jl. Asem", "Jl. Manggis", "Jl. Kutilang", "Jl. Beringin")
VILLAGES = ("Sukamaju", "Sukajadi", "Mekarsari", "Sumbersari", "Karanganyar", "Tegalrejo", "Kebonsari",
            "Margahayu", "Tanjungsari", "Sidomulyo", "Sukadamai", "Harapan Jaya", "Sindangsari",
            "Jatimulya", "Bojongsari", "Cibening", "Wonorejo", "Purwosari", "Sukasari", "Sidorejo")
DISTRICTS = ("Sukamulya", "Cempaka Baru", "Tanjung Harapan", "Sumber Jaya", "Mekar Baru", "Kebon Agung",
             "Suka Makmur", "Karang Tengah", "Tegal Sari", "Margasari", "Bumi Asri", "Pondok Indah Baru")
RELIGIONS = ("Islam", "Islam", "Islam", "Islam", "Kristen", "Katolik", "Hindu", "Buddha", "Konghucu")
JOBS = ("Karyawan Swasta", "Wiraswasta", "Pegawai Negeri Sipil", "Guru", "Pedagang", "Petani/Pekebun",
        "Buruh Harian Lepas", "Perawat", "Sopir", "Nelayan/Perikanan", "Karyawan BUMN", "Dosen",
        "Mengurus Rumah Tangga")
EDUCATION = ("Tamat SD/Sederajat", "SLTP/Sederajat", "SLTA/Sederajat", "Diploma III", "Diploma IV/Strata I",
             "Strata II")
TITLES_BEFORE = {True: ("", "", "Drs. ", "Dr. ", "Ir. ", "H. "), False: ("", "", "Dra. ", "Dr. ", "Ir. ", "Hj. ")}
TITLES_AFTER = ("", ", S.H.", ", S.Sos.", ", M.Si.", ", M.M.", ", S.Kom.", ", M.A.P.", ", S.E.")
RISKS = ("Rendah", "Menengah Rendah", "Menengah Tinggi", "Tinggi")
BLOOD_TYPES = ("A", "B", "AB", "O", "-")
ORDINALS = ("Pertama", "Kedua", "Ketiga", "Keempat", "Kelima", "Keenam", "Ketujuh", "Kedelapan")
BUSINESS_FORMS = ("PT", "CV", "UD", "Toko", "Usaha Dagang")
BUSINESS_WORDS = ("Maju", "Jaya", "Sinar", "Abadi", "Sentosa", "Makmur", "Berkah", "Sejahtera", "Mandiri",
                  "Karya", "Sumber", "Rezeki", "Nusantara", "Cahaya", "Bintang", "Utama", "Prima",
                  "Harapan", "Lancar", "Bersama", "Mulia", "Gemilang", "Sakti", "Anugerah")
# (KBLI 2020 code, activity): the public classification of business activities.
KBLI = (("47111", "Perdagangan Eceran Berbagai Macam Barang yang Utamanya Makanan di Minimarket"),
        ("56101", "Restoran"), ("56103", "Kedai Makanan"), ("10710", "Industri Produk Roti dan Kue"),
        ("96012", "Aktivitas Binatu"), ("47711", "Perdagangan Eceran Pakaian"),
        ("45201", "Reparasi Mobil"), ("14111", "Industri Pakaian Jadi (Konveksi) dari Tekstil"),
        ("62019", "Aktivitas Pemrograman Komputer Lainnya"),
        ("47912", "Perdagangan Eceran Melalui Media untuk Berbagai Macam Barang Lainnya"),
        ("10792", "Industri Kue Basah"), ("95230", "Reparasi Alas Kaki dan Barang dari Kulit"))
SCALES = ("Usaha Mikro", "Usaha Mikro", "Usaha Kecil", "Usaha Menengah")


def indonesian_date(day: date) -> str:
    """`17 Agustus 2020`: how Indonesian documents write a date."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Person:
    """One fictional person."""

    name: str
    sex: str  # "LAKI-LAKI" or "PEREMPUAN"
    birth_place: str
    birth_date: date
    nik: str
    religion: str
    job: str
    education: str
    blood_type: str
    marital: str  # "Kawin", "Belum Kawin", "Cerai Mati"
    relation: str = "Kepala Keluarga"
    father_name: str = ""
    mother_name: str = ""

    @property
    def male(self) -> bool:
        """True for a man."""
        return self.sex == "LAKI-LAKI"


@dataclass(frozen=True)
class Address:
    """A fictional address in a real region."""

    street: str
    rt: str
    rw: str
    village: str
    district: str
    city: str
    province: str
    postcode: str
    region_code: str

    def line(self) -> str:
        """`Jl. Melati No. 12` (the street line)."""
        return self.street

    def full(self) -> str:
        """The whole address on one line."""
        return (f"{self.street}, RT {self.rt}/RW {self.rw}, Kel. {self.village}, Kec. {self.district},"
                f" {self.city}, {self.province} {self.postcode}")


@dataclass(frozen=True)
class Activity:
    """One business activity (a row of a business licence): KBLI code and title, risk, place."""

    kbli: str
    title: str
    risk: str
    location: str


@dataclass(frozen=True)
class Business:
    """A fictional small business."""

    name: str
    nib: str
    activities: tuple[Activity, ...]
    scale: str
    capital: str
    npwp: str


@dataclass(frozen=True)
class Official:
    """The civil servant who signs: a name with academic titles, and an NIP-shaped number."""

    name: str
    nip: str


@dataclass(frozen=True)
class Case:
    """Everything one approved document may need: its person, family, address, business and dates."""

    person: Person
    father: Person
    mother: Person
    family: tuple[Person, ...]
    address: Address
    business: Business
    family_number: str
    act_number: str
    issued_on: date
    official: Official


class Citizens:
    """A seeded source of fictional people and their paperwork."""

    def __init__(self, seed: int | None = None, *, today: date | None = None) -> None:
        self.rng = random.Random(seed)
        self.today = today or date.today()

    def _pick(self, choices: tuple[str, ...]) -> str:
        return self.rng.choice(choices)

    def name(self, male: bool, family_name: str | None = None) -> str:
        """A given name, sometimes a middle name, and a family name (title case)."""
        parts = [self._pick(MALE_NAMES if male else FEMALE_NAMES)]
        if self.rng.random() < 0.5:
            parts.append(self._pick(MALE_MIDDLE_NAMES if male else FEMALE_MIDDLE_NAMES))
        parts.append(family_name or self._pick(FAMILY_NAMES))
        return " ".join(parts)

    def birth_date(self, min_age: int, max_age: int) -> date:
        """A birth date between `min_age` and `max_age` years ago."""
        days = self.rng.randint(min_age * 365, max_age * 365 + 364)
        return self.today - timedelta(days=days)

    def nik(self, region_code: str, born: date, male: bool) -> str:
        """A NIK-shaped number: region, birth date (day + 40 for women), a random serial."""
        day = born.day + (0 if male else 40)
        return f"{region_code}{day:02d}{born.month:02d}{born.year % 100:02d}{self.rng.randint(1, 9999):04d}"

    def address(self) -> Address:
        """A fictional address in one of the regions."""
        code, city, province = self.rng.choice(REGIONS)
        return Address(street=f"{self._pick(STREETS)} No. {self.rng.randint(1, 250)}",
                       rt=f"{self.rng.randint(1, 15):03d}", rw=f"{self.rng.randint(1, 12):03d}",
                       village=self._pick(VILLAGES), district=self._pick(DISTRICTS), city=city,
                       province=province, postcode=f"{self.rng.randint(10, 99)}{self.rng.randint(100, 999)}",
                       region_code=code)

    def person(self, region_code: str, *, male: bool | None = None, min_age: int = 18, max_age: int = 70,
               family_name: str | None = None, relation: str = "Kepala Keluarga",
               father_name: str | None = None, mother_name: str | None = None) -> Person:
        """One fictional person living in the region (parents' names made up when not given)."""
        male = self.rng.random() < 0.5 if male is None else male
        born = self.birth_date(min_age, max_age)
        age = (self.today - born).days // 365
        if age >= 18:
            job, education = self._pick(JOBS), self._pick(EDUCATION)
            marital = "Belum Kawin" if relation in ("Anak", "Famili Lain") else (
                "Cerai Mati" if age > 60 and self.rng.random() < 0.5 else "Kawin")
        else:
            job = "Pelajar/Mahasiswa" if age >= 6 else "Belum/Tidak Bekerja"
            education = ("Tidak/Belum Sekolah" if age < 7 else "Belum Tamat SD/Sederajat" if age < 13
                         else "Tamat SD/Sederajat")
            marital = "Belum Kawin"
        own_family = family_name or self._pick(FAMILY_NAMES)
        return Person(name=self.name(male, own_family), sex="LAKI-LAKI" if male else "PEREMPUAN",
                      birth_place=self._pick(BIRTH_PLACES), birth_date=born,
                      nik=self.nik(region_code, born, male), religion=self._pick(RELIGIONS), job=job,
                      education=education, blood_type=self._pick(BLOOD_TYPES), marital=marital,
                      relation=relation, father_name=father_name or self.name(True, own_family),
                      mother_name=mother_name or self.name(False))

    def family(self, region_code: str, size: int) -> tuple[Person, ...]:
        """A household of `size` (1 to 10): a head, often a spouse, children, sometimes a parent-in-law."""
        family_name = self._pick(FAMILY_NAMES)
        head = self.person(region_code, male=True, min_age=30, max_age=55, family_name=family_name)
        members = [head]
        if size > 1:
            members.append(self.person(region_code, male=False, min_age=26, max_age=50, relation="Istri"))
        mother = members[-1].name if size > 1 else self.name(False)
        in_law = size >= 4 and self.rng.random() < 0.3
        while len(members) < size - (1 if in_law else 0):
            members.append(self.person(region_code, min_age=0, max_age=24, family_name=family_name,
                                       relation="Anak", father_name=head.name, mother_name=mother))
        if in_law:
            members.append(self.person(region_code, male=False, min_age=62, max_age=85, relation="Mertua"))
        return tuple(members)

    def business(self, region_code: str, address: Address, activities: int = 1) -> Business:
        """A fictional small business with a NIB-shaped number and `activities` KBLI activities."""
        words = self.rng.sample(BUSINESS_WORDS, 2 + (self.rng.random() < 0.4))
        kinds = self.rng.sample(KBLI, min(activities, len(KBLI)))
        rows = tuple(Activity(kbli=code, title=title, risk=self._pick(RISKS),
                              location=f"{address.village}, {address.city}") for code, title in kinds)
        return Business(name=f"{self._pick(BUSINESS_FORMS)} {' '.join(words)}",
                        nib=f"{self.rng.randint(1, 9)}{self.rng.randint(0, 10**12 - 1):012d}",
                        activities=rows, scale=self._pick(SCALES),
                        capital=f"Rp {self.rng.randint(5, 500) * 1_000_000:,}".replace(",", "."),
                        npwp=f"{self.rng.randint(10, 99)}.{self.rng.randint(0, 999):03d}."
                             f"{self.rng.randint(0, 999):03d}.{self.rng.randint(0, 9)}-"
                             f"{region_code[2:5]}.000")

    def official(self) -> Official:
        """A signing official: titles around a name, and an NIP (birth date, appointment, sex, serial)."""
        male = self.rng.random() < 0.5
        born = self.birth_date(35, 58)
        appointed = born.year + self.rng.randint(23, 30)
        name = f"{self._pick(TITLES_BEFORE[male])}{self.name(male)}{self._pick(TITLES_AFTER)}"
        nip = (f"{born.year}{born.month:02d}{born.day:02d}{appointed}{self.rng.randint(1, 12):02d}"
               f"{1 if male else 2}{self.rng.randint(1, 999):03d}")
        return Official(name=name, nip=nip)

    def case(self, *, family_size: int | None = None, activities: int | None = None,
             child: bool | None = None) -> Case:
        """One fictional case: a person (a child for a birth certificate), parents, household, business."""
        address = self.address()
        code = address.region_code
        size = family_size or self.rng.randint(1, 10)
        household = self.family(code, max(size, 2) if child else size)
        father = household[0]
        mother = household[1] if len(household) > 1 else self.person(code, male=False, min_age=24, max_age=50)
        if child:
            person = self.person(code, min_age=0, max_age=12, family_name=father.name.split()[-1],
                                 relation="Anak", father_name=father.name, mother_name=mother.name)
        else:
            person = household[0]
        registered = person.birth_date + timedelta(days=self.rng.randint(3, 60))
        act_number = (f"{code[:4]}-LT-{registered.day:02d}{registered.month:02d}{registered.year}-"
                      f"{self.rng.randint(1, 9999):04d}")
        issued_on = self.today - timedelta(days=self.rng.randint(0, 20))
        family_number = (f"{code}{issued_on.day:02d}{issued_on.month:02d}{issued_on.year % 100:02d}"
                         f"{self.rng.randint(1, 9999):04d}")
        return Case(person=person, father=father, mother=mother, family=household, address=address,
                    business=self.business(code, address, activities or self.rng.randint(1, 3)),
                    family_number=family_number, act_number=act_number, issued_on=issued_on,
                    official=self.official())

    def pin(self) -> str:
        """A six-digit PIN, as a citizen gets it by SMS."""
        return f"{self.rng.randint(0, 999_999):06d}"
