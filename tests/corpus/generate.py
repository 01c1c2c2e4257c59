#!/usr/bin/env python3
"""Deterministic generator of leakguard's labelled evaluation corpus.

Writes tests/corpus/leak/ (content that is a customer list or bulk contact data and
must be blocked) and tests/corpus/benign/ (look-alikes from ordinary repositories that
must pass), plus MANIFEST.tsv. Their real-*/ directories are slices of real public data
(REAL.tsv: source and license of each), never rewritten; MANIFEST.tsv lists them too. Invented companies, people and domains only; leak
domains are never RFC 2606/6761 reserved. Same bytes on every run (fixed seed, fixed
archive timestamps).

    python3 tests/corpus/generate.py            # regenerate in place
    python3 tests/corpus/generate.py --out DIR  # write elsewhere (determinism test)
"""
import argparse, base64, binascii, bz2, gzip, hashlib, io, json, lzma, os, random, shutil, tarfile, zipfile, zlib

R = random.Random(20261122)
SYL = ["bri", "kes", "nor", "quil", "tarn", "umb", "vel", "wex", "yar", "zen", "ald", "bro", "cal", "dun", "elm",
       "fen", "gal", "har", "ivo", "jor", "kal", "lum", "mor", "nes", "orr", "pel", "quen", "rav", "sol", "tor",
       "ulv", "ver", "wyn", "xan", "yel", "zor", "ash", "bel", "cor", "dra"]
SUF = ["falcon", "mark", "vale", "gate", "moor", "ridge", "wick", "field", "stone", "brook", "haven", "crest",
       "line", "works", "forge", "point", "bay", "hill"]
KIND = ["Analytics", "Systems", "Foods", "Labs", "Logistics", "Holdings", "Health", "Retail", "Media", "Robotics",
        "Energy", "Finance", "Consulting", "Freight", "Software", "GmbH", "AG", "Ltd", "S.A.", "BV", "Oy", "AB"]
TLD = ["io", "de", "co.uk", "com", "ai", "fr", "nl", "ch", "se", "no", "dk", "fi", "pl", "it", "es", "com.au",
       "ca", "jp", "sg", "at", "be", "net", "org"]
FIRST = ["Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Liam",
         "Maja", "Nils", "Olga", "Pavel", "Rosa", "Sven", "Tomas", "Ulla", "Vera", "Wim", "Yusuf", "Zofia",
         "Amara", "Bruno", "Chiara", "Dmitri", "Emeka", "Freya", "Goran", "Hana"]
LAST = ["Varlow", "Quennet", "Holmgard", "Astrup", "Belcour", "Dravik", "Ellstad", "Fornell", "Gedrin", "Hallvik",
        "Iversby", "Jorlan", "Karsten", "Lindqvar", "Morvell", "Norsk", "Ostrand", "Pellinor", "Ravensby",
        "Sorvik", "Tamberg", "Ulfsson", "Vikander", "Wessel", "Yrjola", "Zanetti"]
MAILBOX = ["admin", "it-admin", "ops", "sysadmin", "secops", "it", "security", "cto", "infra", "helpdesk"]
FREEMAIL = ["postvik.net", "mailhaven.org", "kestrelpost.com", "inboxly.eu"]
GROUPS = ["premium-eu", "premium-us", "premium-apac", "enterprise", "business-plus", "gov-tier"]


def companies(n, seed):
    r = random.Random(seed)
    seen, out = set(), []
    while len(out) < n:
        a = r.choice(SYL) + r.choice(SUF)
        kind = r.choice(KIND)
        dom = a + ("-" + kind.lower().strip(".").replace(".", "") if r.random() < 0.4 else "") + "." + r.choice(TLD)
        if dom in seen:
            dom = a + str(len(out)) + "." + r.choice(TLD)
            if dom in seen:
                continue
        seen.add(dom)
        out.append((a.title() + " " + kind, dom))
    return out


def person(r):
    return r.choice(FIRST), r.choice(LAST)


def contact(r, dom):
    f, l = person(r)
    style = r.random()
    if style < 0.45:
        local = r.choice(MAILBOX)
    elif style < 0.8:
        local = f.lower() + "." + l.lower()
    else:
        local = f[0].lower() + l.lower()
    if r.random() < 0.05:
        dom = r.choice(FREEMAIL)
    return f, l, local + "@" + dom


def rows(n, seed, extra=False):
    r = random.Random(seed)
    out = []
    for i, (name, dom) in enumerate(companies(n, seed + 1)):
        f, l, mail = contact(r, dom)
        row = {"company": name, "group": r.choice(GROUPS), "admin_email": mail, "first": f, "last": l,
               "tenant": "t-%05d" % r.randint(1, 99999)}
        if extra:
            row.update(phone="+%d %d %03d %04d" % (r.choice([44, 49, 33, 46, 1]), r.randint(20, 99),
                                                     r.randint(0, 999), r.randint(0, 9999)),
                       country=r.choice(["DE", "UK", "FR", "SE", "US", "NL", "CH"]),
                       plan=r.choice(["premium", "enterprise"]), seats=r.randint(5, 5000),
                       created="2024-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28)))
        out.append(row)
    return out


def csv_text(rs, cols, delim=",", header=True, quote_all=False, header_names=None, crlf=False):
    nl = "\r\n" if crlf else "\n"
    def q(v):
        v = str(v)
        if quote_all or delim in v or '"' in v or "\n" in v:
            return '"' + v.replace('"', '""') + '"'
        return v
    lines = []
    if header:
        lines.append(delim.join(header_names or cols))
    for row in rs:
        lines.append(delim.join(q(row[c]) for c in cols))
    return nl.join(lines) + nl


FIXED = (2020, 1, 1, 0, 0, 0)


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=FIXED)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as g:
        g.write(data)
    return buf.getvalue()


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def xlsx_bytes(table, shared=True):
    """A minimal valid workbook; cells as shared strings or inline strings."""
    strings, index = [], {}
    def col(i):
        return chr(ord("A") + i)
    rows_xml = []
    for ri, row in enumerate(table, start=1):
        cells = []
        for ci, v in enumerate(row):
            ref = f"{col(ci)}{ri}"
            if shared:
                if v not in index:
                    index[v] = len(strings)
                    strings.append(v)
                cells.append(f'<c r="{ref}" t="s"><v>{index[v]}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{xml_escape(v)}</t></is></c>')
        rows_xml.append(f'<row r="{ri}">{"".join(cells)}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(rows_xml)}</sheetData></worksheet>')
    members = [
        ("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' if shared else "")
         + '</Types>'),
        ("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>'),
        ("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         '<sheets><sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
         + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
         + '</Relationships>'),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    if shared:
        sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
               + "".join(f"<si><t>{xml_escape(s)}</t></si>" for s in strings) + "</sst>")
        members.append(("xl/sharedStrings.xml", sst))
    return zip_bytes(members)


# ---------------------------------------------------------------- leaks
# Lists of one organisation's staff: bulk personal data (issue #10), generated in
# benign() to keep its random stream, reported as leaks.
STAFF_LEAKS = []


def luhn_complete(prefix, length, r):
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    d = [int(c) for c in prefix] + [r.randint(0, 9) for _ in range(length - len(prefix) - 1)]
    for check in range(10):
        x = d + [check]
        tot = 0
        for i, v in enumerate(reversed(x)):
            if i % 2 == 1:
                v *= 2
                if v > 9:
                    v -= 9
            tot += v
        if tot % 10 == 0:
            return "".join(map(str, x))


def iban(country, bban):
    """An IBAN with valid ISO 7064 check digits."""
    num = "".join(str(int(c, 36)) for c in bban + country + "00")
    return country + "%02d" % (98 - int(num) % 97) + bban


def dni(r):
    n = r.randint(10000000, 99999999)
    return "%d%s" % (n, "TRWAGMYFPDXBNJZSQVHLCKE"[n % 23])


def cpf(r):
    d = [r.randint(0, 9) for _ in range(9)]
    for n in (9, 10):
        s = sum(d[i] * (n + 1 - i) for i in range(n))
        d.append((s * 10) % 11 % 10)
    x = "".join(map(str, d))
    return f"{x[:3]}.{x[3:6]}.{x[6:9]}-{x[9:]}"


STREETS = [("{n} Baker Street", "London"), ("Hauptstraße {n}", "Berlin"), ("{n} rue de Rivoli", "Paris"),
           ("Calle Mayor {n}", "Madrid"), ("Via Roma {n}", "Roma"), ("Keizersgracht {n}", "Amsterdam"),
           ("Rua Augusta {n}", "Lisboa"), ("{n} Oak Avenue", "Boston"), ("Bahnhofstrasse {n}", "Zürich"),
           ("{n} High Road", "Leeds"), ("Lindenweg {n}", "Hamburg"), ("{n} Maple Lane", "Toronto")]


def personal_leaks(add):
    """Lists of people without a contact e-mail, and consumer lists (issue #10)."""
    r = random.Random(1010)
    def name():
        return " ".join(person(r))
    def phone():
        return "+%d %d %d" % (r.choice([44, 49, 33, 34, 39, 31, 351, 1]), r.randint(20, 99), r.randint(1000000, 9999999))
    def street():
        st, city = r.choice(STREETS)
        return st.format(n=r.randint(1, 250)), city
    add("phone_book.csv", "csv-personal", "300 customers: name, phone, street address, no e-mail",
        "name,phone,street,city\n" + "".join("%s,%s,%s,%s\n" % ((name(), phone()) + street()) for _ in range(300)))
    hosts = ["gmail.com", "yahoo.com"]
    add("webmail_customers.csv", "csv-consumer", "500 customers on gmail.com and yahoo.com",
        "first_name,last_name,email,plan\n" + "".join(
            f"{f},{l},{f.lower()}.{l.lower()}{i}@{hosts[i % 2]},{r.choice(['free', 'pro'])}\n"
            for i, (f, l) in enumerate(person(r) for _ in range(500))))
    prefixes = [("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16)]
    def card():
        p, n = r.choice(prefixes)
        c = luhn_complete(p, n, r)
        return " ".join(c[i:i + 4] for i in range(0, len(c), 4))
    add("cards_no_header.txt", "plain-personal", "200 names with Luhn-valid card numbers, no header",
        "".join(f"{name()}, {card()}\n" for _ in range(200)))
    add("payees.tsv", "tsv-personal", "40 payees with IBANs, German header",
        "Empfänger\tIBAN\tBetrag\n" + "".join(
            f"{name()}\t{iban('DE', '%08d%010d' % (r.randint(10000000, 99999999), r.randint(0, 9999999999)))}\t{r.randint(10, 900)},00\n"
            for _ in range(40)))
    add("sakila_customer.sql", "sql-personal", "Sakila-style customer table, every address on one domain",
        "INSERT INTO `customer` (`customer_id`, `store_id`, `first_name`, `last_name`, `email`, `address_id`) VALUES\n" + ",\n".join(
            f"({i + 1},1,'{f.upper()}','{l.upper()}','{f.upper()}.{l.upper()}{i}@sakilacustomer.org',{i + 5})"
            for i, (f, l) in enumerate(person(r) for _ in range(100))) + ";\n")
    add("phonebook.vcf", "vcard-personal", "120 vCards with a name and a phone only",
        "".join(f"BEGIN:VCARD\nVERSION:3.0\nFN:{name()}\nTEL;TYPE=CELL:{phone()}\nEND:VCARD\n" for _ in range(120)))
    add("kunden_de.csv", "csv-personal", "German customers: name, street, postcode, date of birth",
        "Vorname;Nachname;Straße;PLZ;Ort;Geburtsdatum\n" + "".join(
            f"{f};{l};Lindenweg {r.randint(1, 90)};{r.randint(10000, 99999)};Hamburg;{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.{r.randint(1940, 2004)}\n"
            for f, l in (person(r) for _ in range(80))))
    add("clientes_es.csv", "csv-personal", "Spanish clients with DNI and teléfono",
        "nombre,apellidos,dni,teléfono\n" + "".join(f"{f},{l},{dni(r)},+34 6{r.randint(10000000, 99999999)}\n" for f, l in (person(r) for _ in range(50))))
    add("clientes_br.json", "json-personal", "Brazilian clients with CPF",
        json.dumps([{"nome": name(), "cpf": cpf(r), "cidade": "São Paulo"} for _ in range(40)], ensure_ascii=False))


def zstd_raw(data):
    """A zstd frame of raw blocks (Python has no zstd module): valid, uncompressed."""
    assert 256 <= len(data) < 65792
    out = bytearray(b"\x28\xb5\x2f\xfd\x60") + (len(data) - 256).to_bytes(2, "little")
    for i in range(0, len(data), 1 << 16):
        chunk = data[i:i + (1 << 16)]
        last = 1 if i + (1 << 16) >= len(data) else 0
        out += (last | (len(chunk) << 3)).to_bytes(3, "little") + chunk
    return bytes(out)


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode, ti.uname, ti.gname = len(data), 0, 0o644, "", ""
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def pasted_in_mail_leak(add):
    rs = rows(30, 1301)
    body = "".join(f"{r['company']}; {r['admin_email']}\n" for r in rs)
    mails = [f"From a@ourservice.io Mon Jan  1 00:00:00 2024\nFrom: Ops <ops@ourservice.io>\nTo: sales@ourservice.io\nSubject: premium admins {i}\n\n"
             + (f"Here is the list:\n{body}" if i == 1 else "see next mail\n") for i in range(3)]
    add("forwarded_list.mbox", "mbox-pasted", "a mail archive whose second mail pastes a 30-row customer list", "\n".join(mails))


def two_column_leaks(add):
    """Two columns, company and address: a table, not credits, however it is aligned."""
    rs = rows(40, 1401)
    add("two_columns.tsv", "tsv-2col", "company<TAB>address, no header", "".join(f"{r['company']}\t{r['admin_email']}\n" for r in rs))
    rs = rows(40, 1402)
    w = max(len(r["company"]) for r in rs) + 4
    add("aligned_admins.txt", "aligned", "company and address aligned with spaces, as pasted from a terminal",
        "".join(f"{r['company'].ljust(w)}{r['admin_email']}\n" for r in rs))


def compressed_leaks(add):
    """Customer lists in the compressions and archives of the field (issue #10 item 4)."""
    base = ["company", "group", "admin_email"]
    csv = lambda n, seed: csv_text(rows(n, seed), base).encode()
    add("customers.csv.bz2", "bzip2", "bzip2-compressed CSV", bz2.compress(csv(60, 1201), 9))
    add("customers.csv.xz", "xz", "xz-compressed CSV", lzma.compress(csv(60, 1202), format=lzma.FORMAT_XZ))
    add("customers.csv.lzma", "lzma", "legacy lzma-compressed CSV", lzma.compress(csv(60, 1203), format=lzma.FORMAT_ALONE))
    add("customers.csv.zst", "zstd", "zstd frame with a CSV", zstd_raw(csv(60, 1204)))
    add("export.tar.gz", "tgz", "a gzip-compressed tar with a CSV", gzip_bytes(tar_bytes([("export/readme.txt", b"monthly export\n"), ("export/customers.csv", csv(50, 1205))])))
    add("export.tar.bz2", "tar.bz2", "a bzip2-compressed tar with a CSV", bz2.compress(tar_bytes([("customers.csv", csv(50, 1206))]), 9))
    add("export.tar.xz", "tar.xz", "an xz-compressed tar with a CSV", lzma.compress(tar_bytes([("customers.csv", csv(50, 1207))]), format=lzma.FORMAT_XZ))
    add("export.tar", "tar", "a plain tar with a CSV", tar_bytes([("a/b/customers.csv", csv(50, 1208))]))


def escaped_leaks(add):
    """Customer lists whose addresses hide behind escapes (issue #10 item 4)."""
    rs = rows(40, 1101)
    add("escaped.json", "json-escaped", "JSON with every @ written as \\u0040",
        json.dumps([{"company": r["company"], "email": r["admin_email"]} for r in rs]).replace("@", "\\u0040"))
    rs = rows(30, 1102)
    add("entities.html", "html-entities", "HTML list with &#64; and &commat;",
        "<ul>\n" + "".join(f"<li>{xml_escape(r['company'])}: {r['admin_email'].replace('@', '&#64;' if i % 2 else '&commat;')}</li>\n" for i, r in enumerate(rs)) + "</ul>\n")
    rs = rows(25, 1103)
    add("form_posts.log", "url-encoded", "logged form posts with URL-encoded addresses",
        "".join(f"POST /signup company={r['company'].replace(' ', '+')}&email={r['admin_email'].replace('@', '%40')}&plan=pro\n" for r in rs))
    rs = rows(30, 1104)
    add("qp_mail.eml", "quoted-printable", "a mail body in quoted-printable with a pasted list",
        "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nList as asked:\n" + "".join(f"{r['company']}, {r['admin_email'].replace('@', '=40')}\n" for r in rs))
    rs = rows(30, 1105)
    add("obfuscated.txt", "obfuscated", "addresses written as name [at] host [dot] tld",
        "".join(f"{r['company']} - {r['admin_email'].replace('@', ' [at] ').replace('.', ' [dot] ')}\n" for r in rs))


def correspondence_benign(add):
    """Mail archives, patch series and message-id links: correspondence, not lists."""
    r = random.Random(3030)
    people = [(f, l, f"{f.lower()}.{l.lower()}@{d}") for (f, l), (_, d) in zip((person(r) for _ in range(40)), companies(40, 3031))]
    msgs = []
    for i in range(15):
        a = people[i]
        cc = ", ".join(f"{f} {l} <{m}>" for f, l, m in people[i + 1:i + 7])
        msgs.append(f"From {a[2]} Mon Jan  1 00:00:00 2024\nFrom: {a[0]} {a[1]} <{a[2]}>\nTo: dev@lists.ourproject.org\nCc: {cc}\n"
                    f"Subject: Re: [PATCH v{i}] parser: fix edge case\nMessage-ID: <2024010{i}.{i}-1-{a[2]}>\n"
                    f"In-Reply-To: <2024010{i}.0-1-{people[i + 1][2]}>\n\nLooks good to me.\n\nThanks,\n{a[0]}\n")
    add("list_archive.mbox", "mbox", "a mailing-list archive: 15 mails with 6 Cc each", "\n".join(msgs))
    patches = []
    for i in range(8):
        a = people[20 + i]
        patches.append(f"From 1234567890abcdef{i:04d} Mon Sep 17 00:00:00 2001\nFrom: {a[0]} {a[1]} <{a[2]}>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"
                       f"Subject: [PATCH {i}/8] core: tidy\nTo: dev@lists.ourproject.org\nCc: {people[i][2]},\n {people[i + 1][2]},\n {people[i + 2][2]}\n\n"
                       f"Tidy.\n\nSigned-off-by: {a[0]} {a[1]} <{a[2]}>\nReviewed-by: {people[i + 3][0]} {people[i + 3][1]} <{people[i + 3][2]}>\n---\n"
                       f"diff --git a/core.c b/core.c\n--- a/core.c\n+++ b/core.c\n@@ -1 +1 @@\n-int x;\n+int y;\n")
    add("series.patch", "patch", "a format-patch series of 8 patches with Cc and trailers", "\n".join(patches))
    add("lore_links.md", "docs", "release notes linking 40 lore.kernel.org threads by message id",
        "# Threads\n\n" + "".join(f"- fix {i}: https://lore.kernel.org/r/2024{i:04d}.{i}-1-{m}/\n" for i, (_, _, m) in enumerate(people)))


def personal_benign(add):
    """Numbers that look like cards or phones, addresses without people (issue #10)."""
    r = random.Random(2020)
    def ean():
        d = [4, 0, 0] + [r.randint(0, 9) for _ in range(9)]
        c = (10 - sum(v * (3 if i % 2 else 1) for i, v in enumerate(d)) % 10) % 10
        return "".join(map(str, d + [c]))
    add("products_ean.csv", "catalogue", "300 products with EAN-13 codes (some pass Luhn)",
        "sku,name,price,ean\n" + "".join(f"P-{i:04d},{r.choice(['Blue', 'Red', 'Green'])} {r.choice(['Mug', 'Plate', 'Bowl'])},{r.randint(1, 99)}.99,{ean()}\n" for i in range(300)))
    add("orders.csv", "orders", "order numbers of 16 digits, amounts and dates",
        "order_number,amount,date\n" + "".join(f"4{r.randint(10**14, 10**15 - 1)},{r.randint(1, 999)}.00,2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}\n" for _ in range(300)))
    add("test_cards.md", "docs", "payment docs listing eight test card numbers",
        "# Test cards\n\n| Brand | Number |\n|---|---|\n" + "".join(f"| {b} | {n} |\n" for b, n in [
            ("Visa", "4242 4242 4242 4242"), ("Visa debit", "4000 0566 5566 5556"), ("Mastercard", "5555 5555 5555 4444"),
            ("Mastercard 2-series", "2223 0031 2200 3222"), ("Amex", "3782 822463 10005"), ("Discover", "6011 1111 1111 1117"),
            ("Diners", "3056 9300 0902 0004"), ("JCB", "3566 0020 2036 0505")]))
    add("offices.csv", "reference", "office addresses of one company, no people",
        "office,street,city\n" + "".join(f"{city} office,{st.format(n=r.randint(1, 99))},{city}\n" for st, city in STREETS))
    add("logs.tar.xz", "tar.xz", "an xz-compressed tar of access logs",
        lzma.compress(tar_bytes([("logs/access.log", "".join(f"10.0.{i % 250}.{i % 200} - - GET /p/{i} 200\n" for i in range(500)).encode())]), format=lzma.FORMAT_XZ))
    add("contact_page.html", "docs", "a contact page with three obfuscated addresses",
        "<p>Sales: sales&#64;ourservice.io</p><p>Support: support&#64;ourservice.io</p><p>Press: press [at] ourservice [dot] io</p>\n")
    add("build_log.txt", "log", "a build log with versions, sizes and timings",
        "".join(f"[{r.randint(0, 59):02d}.{r.randint(0, 999):03d}] compiled crate-{i} v1.{i}.{r.randint(0, 9)} ({r.randint(1000000, 99999999)} bytes) in {r.randint(1, 900)} ms\n" for i in range(200)))


def leaks():
    L = []
    def add(name, fmt, desc, data):
        L.append((name, fmt, desc, data if isinstance(data, bytes) else data.encode("utf-8")))
    base = ["company", "group", "admin_email"]
    add("incident_premium_customers.csv", "csv", "the incident: ~5,600 rows company,group,admin_email", csv_text(rows(5614, 1), base))
    add("customers_6000.csv", "csv", "6,000 rows with extra columns", csv_text(rows(6000, 2, True), base + ["phone", "country", "plan", "seats", "created"]))
    for i, n in enumerate([20, 35, 80, 150, 400, 1200]):
        add(f"export_{n}.csv", "csv", f"{n} rows", csv_text(rows(n, 10 + i), base))
    add("semicolon.csv", "csv;", "semicolon separated, German header", csv_text(rows(60, 20), base, ";", header_names=["Firma", "Gruppe", "E-Mail"]))
    add("pipes.psv", "psv", "pipe separated", csv_text(rows(45, 21), base, "|"))
    add("tenants.tsv", "tsv", "tab separated with tenant ids", csv_text(rows(90, 22), ["tenant", "company", "admin_email"], "\t"))
    add("quoted_multiline.csv", "csv-quoted", "quoted fields with commas, quotes and newlines",
        csv_text([dict(r, company=r["company"] + ', "Intl"\nDivision') for r in rows(40, 23)], base, quote_all=True))
    add("crlf_bom.csv", "csv-crlf-bom", "CRLF line ends and a UTF-8 BOM", "\ufeff" + csv_text(rows(70, 24), base, crlf=True))
    add("no_header.csv", "csv-noheader", "rows without a header", csv_text(rows(55, 25), base, header=False))
    add("reordered_columns.csv", "csv", "columns in another order with mixed-case header",
        csv_text(rows(66, 26), ["admin_email", "tenant", "company"], header_names=["AdminEmail", "Tenant", "Company"]))
    add("contacts_names.csv", "csv", "first/last name columns and contact_email",
        csv_text(rows(48, 27), ["first", "last", "company", "admin_email"], header_names=["first_name", "last_name", "organisation", "contact_email"]))
    # renamed
    for i, ext in enumerate(["txt", "log", "dat", "bak"]):
        add(f"renamed_export.{ext}", "csv-renamed", f"a customer CSV saved as .{ext}", csv_text(rows(120, 30 + i), base))
    add("customers_noext", "csv-renamed", "a customer CSV without extension", csv_text(rows(75, 35), base))
    # JSON family
    rs = rows(80, 40)
    add("customers.json", "json", "JSON array of objects", json.dumps([{k: r[k] for k in ("company", "tenant", "admin_email")} for r in rs], indent=2))
    rs = rows(60, 41)
    nested = {"data": {"customers": [{"company": r["company"], "tenant": r["tenant"],
                                      "contacts": [{"role": "admin", "email": r["admin_email"], "name": r["first"] + " " + r["last"]}]} for r in rs]}}
    add("api_response.json", "json-nested", "nested JSON, contacts under customers", json.dumps(nested))
    rs = rows(100, 42)
    add("events.ndjson", "ndjson", "NDJSON, one customer per line",
        "".join(json.dumps({"type": "customer", "company": r["company"], "email": r["admin_email"], "group": r["group"]}) + "\n" for r in rs))
    # SQL
    rs = rows(70, 43)
    add("dump_multirow.sql", "sql-insert", "INSERT with multi-row VALUES",
        "-- dump\nINSERT INTO customers (company, grp, admin_email) VALUES\n" +
        ",\n".join("  ('%s', '%s', '%s')" % (r["company"].replace("'", "''"), r["group"], r["admin_email"]) for r in rs) + ";\n")
    rs = rows(50, 44)
    add("dump_rows.sql", "sql-insert", "one INSERT per row",
        "".join("INSERT INTO `tenants` (`id`,`name`,`email`) VALUES (%d,'%s','%s');\n" % (i, r["company"], r["admin_email"]) for i, r in enumerate(rs)))
    rs = rows(65, 45)
    add("pg_dump.sql", "sql-copy", "PostgreSQL COPY ... FROM stdin",
        "SET client_encoding = 'UTF8';\n\nCOPY public.customers (id, company, tenant, admin_email) FROM stdin;\n" +
        "".join("%d\t%s\t%s\t%s\n" % (i, r["company"], r["tenant"], r["admin_email"]) for i, r in enumerate(rs)) + "\\.\n")
    # markup
    rs = rows(30, 46)
    add("customers.md", "markdown", "markdown table",
        "# Premium customers\n\n| Company | Tenant | Admin |\n|---|---|---|\n" + "".join(f"| {r['company']} | {r['tenant']} | {r['admin_email']} |\n" for r in rs))
    rs = rows(40, 47)
    add("report.html", "html", "HTML table",
        "<html><body><h1>Accounts</h1><table><tr><th>Company</th><th>Admin</th></tr>" +
        "".join(f"<tr><td>{r['company']}</td><td><a href=\"mailto:{r['admin_email']}\">{r['admin_email']}</a></td></tr>" for r in rs) + "</table></body></html>\n")
    rs = rows(35, 48)
    add("contacts.vcf", "vcard", "vCard entries",
        "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{r['first']} {r['last']}\r\nORG:{r['company']}\r\nEMAIL;TYPE=work:{r['admin_email']}\r\nEND:VCARD\r\n" for r in rs))
    rs = rows(45, 49)
    add("directory.ldif", "ldif", "LDIF entries",
        "".join(f"dn: cn={r['first']} {r['last']},ou=customers,dc=corp\ncn: {r['first']} {r['last']}\no: {r['company']}\nmail: {r['admin_email']}\n\n" for r in rs))
    rs = rows(30, 50)
    add("announcement.eml", "mail-headers", "a mail with external recipients in To/Cc/Bcc",
        "From: Support <support@ourservice.io>\nTo: " + ",\n\t".join(f"{r['first']} {r['last']} <{r['admin_email']}>" for r in rs[:12]) +
        "\nCc: " + ", ".join(r["admin_email"] for r in rs[12:20]) + "\nBcc: " + ", ".join(r["admin_email"] for r in rs[20:]) +
        "\nSubject: Maintenance window\n\nDear customers, ...\n")
    # xlsx
    rs = rows(90, 51)
    add("customers_shared.xlsx", "xlsx", "XLSX with shared strings", xlsx_bytes([["Company", "Group", "Admin e-mail"]] + [[r["company"], r["group"], r["admin_email"]] for r in rs]))
    rs = rows(40, 52)
    add("customers_inline.xlsx", "xlsx", "XLSX with inline strings", xlsx_bytes([["Company", "Admin"]] + [[r["company"], r["admin_email"]] for r in rs], shared=False))
    # containers
    add("export.zip", "zip", "zip with a CSV inside", zip_bytes([("export/customers.csv", csv_text(rows(200, 53), base))]))
    add("nested.zip", "zip-nested", "zip inside a zip", zip_bytes([("inner.zip", zip_bytes([("q3.csv", csv_text(rows(80, 54), base))]))]))
    add("customers.csv.gz", "gzip", "gzip-compressed CSV", gzip_bytes(csv_text(rows(300, 55), base).encode()))
    add("attachment.json", "base64", "a CSV base64-encoded inside a JSON document",
        json.dumps({"ticket": 4711, "attachment": {"name": "list.csv", "data": base64.b64encode(csv_text(rows(40, 56), base).encode()).decode()}}, indent=1))
    add("mail_part.txt", "base64-wrapped", "a CSV as a MIME part wrapped at 76 columns",
        "Content-Type: text/csv\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(csv_text(rows(60, 57), base).encode()).decode())
    # encodings
    t = csv_text(rows(50, 58), base)
    add("utf16le_bom.csv", "utf-16le", "UTF-16 LE with BOM", b"\xff\xfe" + t.encode("utf-16-le"))
    add("utf16be_bom.csv", "utf-16be", "UTF-16 BE with BOM", b"\xfe\xff" + t.encode("utf-16-be"))
    add("utf16le_nobom.txt", "utf-16le", "UTF-16 LE without BOM", csv_text(rows(50, 59), base).encode("utf-16-le"))
    rs = rows(40, 60)
    for r in rs:
        r["company"] = r["company"].replace("a", "ä", 1).replace("o", "ö", 1) + " Müller & Söhne"
    add("cp1252.csv", "windows-1252", "Windows-1252 with umlauts", csv_text(rs, base, ";").encode("cp1252"))
    # more encodings (#10 item 4)
    t = csv_text(rows(60, 2001), base).encode()
    add("export.hex", "hex", "a CSV hex-encoded, wrapped at 60 columns (xxd -p)",
        "\n".join(t.hex()[i:i + 60] for i in range(0, len(t) * 2, 60)) + "\n")
    t = csv_text(rows(60, 2003), base).encode()
    add("export.b32", "base32", "a CSV base32-encoded, wrapped at 76 columns",
        "\n".join(base64.b32encode(t).decode()[i:i + 76] for i in range(0, len(base64.b32encode(t)), 76)) + "\n")
    t = csv_text(rows(60, 2005), base).encode()
    add("report.ps", "ascii85", "a CSV as an ascii85 block in a PostScript file", "%!PS\n" + base64.a85encode(t, adobe=True, wrapcol=72).decode() + "\n")
    t = csv_text(rows(60, 2007), base).encode()
    add("mail.uu", "uuencode", "a CSV uuencoded in a mail body", "Subject: export\n\nbegin 644 customers.csv\n" +
        "".join(binascii.b2a_uu(t[i:i + 45]).decode() for i in range(0, len(t), 45)) + "`\nend\n")
    add("customers.z", "zlib", "a zlib stream of a CSV", zlib.compress(csv_text(rows(60, 2009), base).encode(), 9))
    add("utf32le.csv", "utf-32le", "UTF-32 LE without BOM", csv_text(rows(50, 2011), base).encode("utf-32-le"))
    add("utf32be_bom.csv", "utf-32be", "UTF-32 BE with BOM", b"\x00\x00\xfe\xff" + csv_text(rows(50, 2013), base).encode("utf-32-be"))
    add("mainframe.txt", "ebcdic", "EBCDIC cp037, NL line ends", csv_text(rows(50, 2015), base).encode("cp037"))
    add("install.sh", "sfx", "a self-extracting script: sh header, then a gzip of a CSV",
        b"#!/bin/sh\ntail -n +4 \"$0\" | gunzip > customers.csv\nexit 0\n" + gzip_bytes(csv_text(rows(60, 2017), base).encode()))
    # pasted into other content
    rs = rows(30, 61)
    add("seed_customers.py", "source", "a Python source file with a hard-coded list of customer dicts",
        "# seed data for the staging environment\nCUSTOMERS = [\n" +
        "".join(f"    {{'company': '{r['company']}', 'group': '{r['group']}', 'email': '{r['admin_email']}'}},\n" for r in rs) + "]\n")
    rs = rows(25, 62)
    add("fixtures.js", "source", "a JS module exporting customer objects",
        "export const customers = [\n" + "".join(f"  {{ name: \"{r['company']}\", admin: \"{r['admin_email']}\", tier: \"{r['group']}\" }},\n" for r in rs) + "];\n")
    rs = rows(15, 63)
    add("ticket_4711.md", "ticket", "a support ticket with 15 pasted rows",
        "## Ticket 4711: bounce report\n\nThese premium admins did not get the notice, please re-send:\n\n" +
        "".join(f"{r['company']} – {r['group']} – {r['admin_email']}\n" for r in rs) + "\nThanks, Ops\n")
    rs = rows(40, 64)
    add("customers.yaml", "yaml", "a YAML fixture with customer entries",
        "customers:\n" + "".join(f"  - company: {r['company']}\n    tenant: {r['tenant']}\n    admin_email: {r['admin_email']}\n" for r in rs))
    rs = rows(60, 65)
    add("auth.log", "log", "log lines carrying distinct customer e-mails",
        "".join(f"2025-03-{(i % 28) + 1:02d}T10:{i % 60:02d}:00Z INFO login ok tenant={r['tenant']} user={r['admin_email']} ip=10.0.{i % 250}.{i % 200}\n" for i, r in enumerate(rs)))
    rs = rows(28, 66)
    add("notes.txt", "prose", "meeting notes listing admins inline",
        "Renewal calls this week. " + " ".join(f"Call {r['first']} at {r['company']} ({r['admin_email']})." for r in rs) + "\n")
    rs = rows(22, 67)
    add("handover.rst", "rst", "reStructuredText list with company and admin",
        "Handover\n========\n\n" + "".join(f"* **{r['company']}** — admin: {r['admin_email']}, group {r['group']}\n" for r in rs))
    rs = rows(35, 68)
    add("crm_export.xml", "xml", "XML records",
        "<?xml version=\"1.0\"?>\n<accounts>\n" + "".join(f"  <account><name>{xml_escape(r['company'])}</name><email>{r['admin_email']}</email><group>{r['group']}</group></account>\n" for r in rs) + "</accounts>\n")
    rs = rows(45, 69)
    add("list_in_comment.go", "source", "a Go file with customers pasted in a comment block",
        "package billing\n\n/*\nMigrated accounts:\n" + "".join(f"{r['company']}, {r['admin_email']}, {r['tenant']}\n" for r in rs) + "*/\n\nfunc Migrate() {}\n")
    # small government-looking lists
    GOV = ["ministry-of-coastal-affairs.gov.zq", "revenue-office.gv.zq", "statistik-nord.gov.zq", "civil-registry.gob.zq",
           "water-board.gov.zq", "agency-for-roads.gov.zq", "health-inspectorate.gov.zq", "tax-authority.gv.zq",
           "archives-dept.gov.zq", "energy-regulator.gov.zq"]
    for k, n in enumerate([5, 7, 10]):
        r = random.Random(70 + k)
        lines = ["agency,contact,email"]
        for i in range(n):
            f, l = person(r)
            lines.append(f"{GOV[i].split('.')[0].replace('-', ' ').title()},{f} {l},{f[0].lower()}.{l.lower()}@{GOV[i]}")
        add(f"gov_contacts_{n}.csv", "csv-small", f"{n} government contacts", "\n".join(lines) + "\n")
    r = random.Random(75)
    add("gov_contacts_pasted.md", "markdown-small", "6 government contacts pasted as a markdown table",
        "Escalation contacts for the audit:\n\n| Agency | Contact | Mail |\n|---|---|---|\n" +
        "".join(f"| {GOV[i].split('.')[0].replace('-', ' ').title()} | {' '.join(person(r))} | liaison@{GOV[i]} |\n" for i in range(6)))
    r = random.Random(76)
    add("gov_contacts.tsv", "tsv-small", "8 government contacts, tab separated, no header",
        "".join(f"{GOV[i]}\t{' '.join(person(r))}\tcontact@{GOV[i]}\n" for i in range(8)))
    # more shapes
    rs = rows(25, 77)
    add("invoice_run.csv", "csv", "billing run: invoice number, customer, e-mail, amount",
        "invoice,customer,email,amount_eur\n" + "".join(f"INV-{1000 + i},{r['company']},{r['admin_email']},{R.randint(100, 9000)}.00\n" for i, r in enumerate(rs)))
    rs = rows(33, 78)
    add("newsletter_bounces.txt", "plain-list", "one address per line with a company suffix",
        "".join(f"{r['admin_email']}  # {r['company']}\n" for r in rs))
    rs = rows(20, 79)
    add("salesforce.json", "json", "JSON with records under a 'records' key",
        json.dumps({"totalSize": 20, "done": True, "records": [{"attributes": {"type": "Contact"}, "Name": r["first"] + " " + r["last"],
                                                              "Account": {"Name": r["company"]}, "Email": r["admin_email"]} for r in rs]}))
    rs = rows(12, 81)
    add("escalation_list.txt", "plain-list", "12 admins as 'Company: address' lines",
        "".join(f"{r['company']}: {r['admin_email']}\n" for r in rs))
    rs = rows(26, 82)
    add("cc_line.txt", "prose", "one long comma-separated recipient line",
        "please cc: " + ", ".join(r["admin_email"] for r in rs) + "\n")
    rs = rows(18, 83)
    add("customers.toml", "toml", "TOML array of tables",
        "".join(f"[[customer]]\nname = \"{r['company']}\"\nemail = \"{r['admin_email']}\"\n\n" for r in rs))
    rs = rows(12, 84)
    body = "".join(f"<w:tr><w:tc><w:p><w:r><w:t>{xml_escape(r['company'])}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>{r['admin_email']}</w:t></w:r></w:p></w:tc></w:tr>" for r in rs)
    add("customers.docx", "docx", "a Word document with a 12-row customer table", zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
         f'<w:p><w:r><w:t>Premium admins</w:t></w:r></w:p><w:tbl>{body}</w:tbl></w:body></w:document>')]))
    rs = rows(30, 85)
    cells = "".join(f"<table:table-row><table:table-cell><text:p>{xml_escape(r['company'])}</text:p></table:table-cell><table:table-cell><text:p>{r['admin_email']}</text:p></table:table-cell></table:table-row>" for r in rs)
    add("customers.ods", "ods", "an OpenDocument spreadsheet", zip_bytes([
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'),
        ("content.xml", '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>'
         f'<table:table table:name="Customers">{cells}</table:table></office:spreadsheet></office:body></office:document-content>')]))
    rs = rows(500, 80)
    add("big_export.tar.txt", "csv-renamed", "a 500-row export saved with a misleading name", csv_text(rs, base))
    personal_leaks(add)
    escaped_leaks(add)
    compressed_leaks(add)
    pasted_in_mail_leak(add)
    two_column_leaks(add)
    split_leaks(add)
    return L


def split_leaks(add):
    # A list split into pieces below min_rows (5) inside one archive: each piece alone
    # passes, their union is a customer list (issue #10 item 5).
    base = ["company", "group", "admin_email"]
    rs = rows(120, 1400)
    add("split_pieces.zip", "zip-split", "a 120-row customer list split into 30 CSV files of 4 rows, in one zip",
        zip_bytes([(f"parts/part-{i:02d}.csv", csv_text(rs[4 * i:4 * i + 4], base)) for i in range(30)]))
    rs = rows(24, 1402)
    notes, k = [], 0
    for i in range(21):
        text = f"Call notes, {rs[k]['company']}\n\nSpoke with the IT lead ({rs[k]['admin_email']}) about the renewal.\nNext step: send the quote on Monday.\n"
        k += 1
        if i % 7 == 0:
            text += f"Billing contact is {rs[k]['admin_email']} from now on.\n"
            k += 1
        notes.append((f"notes/{i:02d}-call.txt", text.encode("utf-8")))
    add("split_notes.tar", "tar-split", "21 call notes holding 24 customer addresses between them, in one tar", tar_bytes(notes))


# ---------------------------------------------------------------- benign
def benign():
    B = []
    def add(name, fmt, desc, data):
        B.append((name, fmt, desc, data if isinstance(data, bytes) else data.encode("utf-8")))
    r = random.Random(900)
    people = [(f, l, f"{f.lower()}.{l.lower()}@{d}") for (f, l), (_, d) in zip([person(r) for _ in range(60)], companies(60, 901))]
    add("src_mailer.py", "source", "source with a support address and a sender",
        '"""Mailer.\n\nAuthor: Anna Varlow <anna.varlow@kestrelmark.de>\n"""\nSUPPORT = "support@ourservice.io"\nSENDER = "noreply@ourservice.io"\n\ndef send(to):\n    pass\n')
    add("email_regex.rs", "source", "an e-mail validation regex and tests on example.com",
        'const RE: &str = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}";\n#[test]\nfn valid() {\n' +
        "".join(f'    assert!(is_valid("user{i}@example.com"));\n' for i in range(30)) + "}\n")
    add("validate_test.go", "source", "e-mail validator tests on reserved domains",
        "package mail\n\nvar cases = []string{\n" + "".join(f'\t"{w}@{d}",\n' for w in ["a", "b.c", "x+y", "first.last"] for d in ["example.org", "foo.example", "bar.test", "baz.invalid"]) + "}\n")
    add("AUTHORS", "authors", "AUTHORS file, 40 contributors", "# Authors\n" + "".join(f"{f} {l} <{m}>\n" for f, l, m in people[:40]))
    add("CONTRIBUTORS.md", "authors", "contributors list", "# Contributors\n\n" + "".join(f"- {f} {l} <{m}>\n" for f, l, m in people[10:50]))
    add("THANKS", "authors", "thanks file", "Thanks to:\n" + "".join(f"  {f} {l} ({m})\n" for f, l, m in people[5:35]))
    add("CREDITS.txt", "authors", "credits file", "".join(f"N: {f} {l}\nE: {m}\nD: testing\n\n" for f, l, m in people[:25]))
    add(".mailmap", "mailmap", "a .mailmap", "".join(f"{f} {l} <{m}> <{f.lower()}@old-{i}.{['io','de','net'][i % 3]}>\n" for i, (f, l, m) in enumerate(people[:45])))
    add("MAINTAINERS", "authors", "kernel-style MAINTAINERS", "".join(f"DRIVER {i}\nM:\t{f} {l} <{m}>\nS:\tMaintained\nF:\tdrivers/x{i}/\n\n" for i, (f, l, m) in enumerate(people[:30])))
    add("CHANGELOG.md", "changelog", "a changelog thanking 40 contributors by e-mail",
        "# Changelog\n\n## 2.0.0\n\n" + "".join(f"- Fix parser edge case #{100 + i} (thanks {f} {l} <{m}>)\n" for i, (f, l, m) in enumerate(people[:40])))
    add("NEWS", "changelog", "GNU-style NEWS", "".join(f"* Noteworthy change {i} by {f} {l} <{m}>\n" for i, (f, l, m) in enumerate(people[20:50])))
    add("debian/changelog", "changelog", "debian/changelog entries",
        "".join(f"pkg (1.{i}-1) unstable; urgency=medium\n\n  * New upstream release.\n\n -- {f} {l} <{m}>  Mon, 0{1 + i % 9} Jan 2024 10:00:00 +0000\n\n" for i, (f, l, m) in enumerate(people[:30])))
    add("de.po", "po", "a .po file with translator credits",
        "# German translation.\n" + "".join(f"# {f} {l} <{m}>, 20{10 + i % 14}.\n" for i, (f, l, m) in enumerate(people[:25])) +
        'msgid ""\nmsgstr ""\n"Last-Translator: Anna Varlow <anna@kestrelmark.de>\\n"\n\nmsgid "Hello"\nmsgstr "Hallo"\n')
    add("package.json", "manifest", "package.json with contributors",
        json.dumps({"name": "widget", "version": "1.0.0", "contributors": [{"name": f"{f} {l}", "email": m} for f, l, m in people[:30]]}, indent=2))
    add("Cargo.toml", "manifest", "Cargo.toml with authors", '[package]\nname = "widget"\nauthors = [\n' + "".join(f'  "{f} {l} <{m}>",\n' for f, l, m in people[:12]) + "]\n")
    add("setup.py", "manifest", "setup.py with maintainers", "from setuptools import setup\nsetup(name='w', author='Anna Varlow', author_email='anna@kestrelmark.de', maintainer='Ben Quennet', maintainer_email='ben@quillgate.io')\n")
    add("pyproject.toml", "manifest", "pyproject authors", '[project]\nname = "w"\nauthors = [\n' + "".join(f'  {{name = "{f} {l}", email = "{m}"}},\n' for f, l, m in people[:10]) + "]\n")
    add("CODEOWNERS", "codeowners", "CODEOWNERS with teams and a few e-mails", "* @org/core\n/docs/ @org/docs anna.varlow@kestrelmark.de\n/src/net/ ben.quennet@quillgate.io @org/net\n")
    add("security.txt", "security-txt", "security.txt", "Contact: mailto:security@ourservice.io\nExpires: 2030-01-01T00:00:00.000Z\nPreferred-Languages: en\n")
    add("README.md", "docs", "README with three contact addresses",
        "# Widget\n\nQuestions: help@ourservice.io. Security: security@ourservice.io. Press: press@ourservice.io.\n")
    # reserved-domain fixtures
    rr = random.Random(910)
    add("users_fixture.csv", "fixture-reserved", "300 rows on example.com/org/net",
        "company,group,admin_email\n" + "".join(f"Test Co {i},premium,user{i}@{rr.choice(['example.com','example.org','example.net'])}\n" for i in range(300)))
    add("users_fixture.json", "fixture-reserved", "JSON fixture on *.example and *.test",
        json.dumps([{"company": f"Acme {i}", "email": f"admin{i}@{['acme.example','shop.test','corp.invalid'][i % 3]}"} for i in range(120)]))
    add("seed.sql", "fixture-reserved", "SQL seed on reserved domains",
        "INSERT INTO users (name, email) VALUES\n" + ",\n".join(f"  ('User {i}', 'user{i}@example.org')" for i in range(80)) + ";\n")
    add("test_mail.eml", "fixture-reserved", "a test mail to example.com recipients",
        "From: a@example.com\nTo: " + ", ".join(f"r{i}@example.com" for i in range(40)) + "\nSubject: test\n\nbody\n")
    add("localhost_users.yaml", "fixture-reserved", "users at localhost", "users:\n" + "".join(f"  - name: u{i}\n    email: u{i}@localhost\n" for i in range(50)))
    add("noreply_commits.txt", "noreply", "commit e-mails at users.noreply.github.com",
        "".join(f"{10000 + i}+dev{i}@users.noreply.github.com {['fix', 'feat', 'docs'][i % 3]}: change {i}\n" for i in range(60)))
    add("notifications.csv", "noreply", "notification senders of many services",
        "service,sender\n" + "".join(f"svc{i},{['noreply','no-reply','notifications','bounce'][i % 4]}@{d}\n" for i, (_, d) in enumerate(companies(40, 911))))
    # metrics and catalogues
    add("metrics.csv", "metrics", "timestamped metrics", "ts,cpu,mem,rps\n" + "".join(f"2025-01-01T00:{i // 60:02d}:{i % 60:02d}Z,{rr.random():.3f},{rr.randint(100, 900)},{rr.randint(10, 9999)}\n" for i in range(2000)))
    add("sku_catalogue.csv", "catalogue", "product catalogue", "sku,name,price,stock\n" + "".join(f"SKU-{i:05d},Widget {rr.choice(SUF)} {i},{rr.randint(1, 999)}.99,{rr.randint(0, 500)}\n" for i in range(1500)))
    add("prices.tsv", "catalogue", "price list", "item\tprice\tcurrency\n" + "".join(f"item{i}\t{rr.randint(1, 99)}.00\tEUR\n" for i in range(400)))
    add("inventory.json", "catalogue", "inventory JSON", json.dumps([{"sku": f"S{i}", "qty": rr.randint(0, 100), "warehouse": rr.choice(["A", "B"])} for i in range(500)]))
    add("countries.csv", "reference", "country codes", "code,name,currency\n" + "".join(f"{a}{b},Country {a}{b},{a}{b}D\n" for a in "ABCDEFGH" for b in "ABCDEFGH"))
    add("timezones.txt", "reference", "timezone list", "".join(f"Region/City_{i} UTC+{i % 14}\n" for i in range(300)))
    add("access.log", "log", "HTTP access log without e-mails",
        "".join(f'10.0.{i % 250}.{i % 200} - - [01/Jan/2025:00:00:{i % 60:02d} +0000] "GET /api/v1/items/{i} HTTP/1.1" 200 {rr.randint(100, 9999)}\n' for i in range(3000)))
    add("digests.txt", "hex", "sha256 and sha512 digests run together, wrapped (decode to binary)",
        "\n".join(("".join(hashlib.sha512(str(i).encode()).hexdigest() for i in range(40)))[i:i + 64] for i in range(0, 5120, 64)) + "\n")
    add("totp_seeds.txt", "base32", "base32 ids and seeds that decode to binary",
        "".join(base64.b32encode(hashlib.sha256(str(i).encode()).digest()).decode().rstrip("=") for i in range(30)) + "\n")
    add("Cargo.lock", "lockfile", "a lock file", "".join(f'[[package]]\nname = "crate{i}"\nversion = "1.{i}.0"\nchecksum = "{hashlib.sha256(str(i).encode()).hexdigest()}"\n\n' for i in range(200)))
    # hashed identifiers
    rs = rows(400, 920)
    add("hashed_emails.csv", "hashed", "sha256 of e-mails, no plaintext", "id,email_sha256,plan\n" + "".join(f"{i},{hashlib.sha256(r['admin_email'].encode()).hexdigest()},{r['group']}\n" for i, r in enumerate(rs)))
    add("md5_audience.txt", "hashed", "md5 audience list", "".join(hashlib.md5(r["admin_email"].encode()).hexdigest() + "\n" for r in rs))
    add("user_ids.json", "hashed", "UUID user ids with counts", json.dumps([{"user": "%08x-%04x-4%03x-a%03x-%012x" % (rr.getrandbits(32), rr.getrandbits(16), rr.getrandbits(12), rr.getrandbits(12), rr.getrandbits(48)), "logins": rr.randint(1, 99)} for _ in range(300)]))
    # schemas and templates
    add("schema.sql", "schema", "CREATE TABLE customers with an email column",
        "CREATE TABLE customers (\n  id bigserial PRIMARY KEY,\n  company text NOT NULL,\n  grp text,\n  admin_email text NOT NULL UNIQUE\n);\nCREATE INDEX ON customers (admin_email);\n")
    add("customer.schema.json", "schema", "JSON Schema with an email property",
        json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"company": {"type": "string"}, "email": {"type": "string", "format": "email", "examples": ["ops@example.com"]}}}, indent=2))
    add("empty_export.csv", "template", "header only", "company,group,admin_email\n")
    add("mail_merge.txt", "template", "mail-merge template with placeholders", "Dear {{first_name}},\n\nyour admin address {{email}} for {{company}} ...\n\nTo: {{email}}\n")
    add("openapi.yaml", "schema", "OpenAPI with one example address",
        "openapi: 3.0.0\ninfo:\n  title: API\n  contact:\n    email: api@ourservice.io\npaths: {}\ncomponents:\n  schemas:\n    Customer:\n      properties:\n        email:\n          type: string\n          example: jane@example.com\n")
    # staff directories (one company)
    rs = random.Random(930)
    STAFF_LEAKS.append(("staff_directory.csv", "staff-bulk-pii", "150 staff of one company with phones (bulk-pii)", "name,team,email,phone\n" + "".join(
        f"{f} {l},{rs.choice(['eng', 'ops', 'sales'])},{f.lower()}.{l.lower()}{i}@ourservice.io,+49 30 {rs.randint(1000000, 9999999)}\n" for i, (f, l) in enumerate(person(rs) for _ in range(150)))))
    STAFF_LEAKS.append(("team.json", "staff-bulk-pii", "names and addresses of 60 staff of one company (bulk-pii)", json.dumps([{"name": " ".join(person(rs)), "email": f"member{i}@kestrelmark.de", "role": "engineer"} for i in range(60)])))
    add("oncall.md", "staff", "on-call rota, one domain",
        "| Week | Primary | Secondary |\n|---|---|---|\n" + "".join(f"| {i} | p{i}@ourservice.io | s{i}@ourservice.io |\n" for i in range(1, 40)))
    STAFF_LEAKS.append(("ldap_staff.ldif", "ldif-bulk-pii", "LDIF export of one organisation (bulk-pii)", "".join(f"dn: uid=u{i},ou=people,dc=ourservice\nmail: u{i}@ourservice.io\ncn: User {i}\n\n" for i in range(80))))
    # other ordinary files
    add("mailing_list.txt", "archive", "mailing-list excerpt with a handful of senders",
        "".join(f"From: {f} {l} <{m}>\nSubject: Re: release\n\n+1, looks good.\n\n" for f, l, m in people[:4]))
    add("zone.db", "dns", "DNS zone file", "$ORIGIN ourservice.io.\n@ IN SOA ns1.ourservice.io. hostmaster.ourservice.io. ( 1 3600 600 86400 60 )\n" + "".join(f"host{i} IN A 10.0.0.{i}\n" for i in range(100)))
    add("LICENSE", "license", "a license with one copyright address", "Copyright (c) 2024 Anna Varlow <anna.varlow@kestrelmark.de>\n\nPermission is hereby granted, free of charge, ...\n")
    add("copyright_header.c", "source", "C file with a credit block", "/*\n" + "".join(f" *  {f} {l} <{m}>\n" for f, l, m in people[:8]) + " */\nint main(void) { return 0; }\n")
    add("style.css", "asset", "CSS with @media rules", "".join(f"@media (min-width: {i * 100}px) {{ .c{i} {{ width: {i}em; }} }}\n@import url('x{i}.css');\n" for i in range(50)))
    add("app.min.js", "asset", "minified JS", "!function(e){" + ";".join(f"var a{i}=e.x{i}||{{}}" for i in range(2000)) + "}(window);\n")
    png = b"\x89PNG\r\n\x1a\n" + bytes(rr.getrandbits(8) for _ in range(3000))
    add("logo.png", "binary", "a binary image", png)
    add("icons.txt", "asset", "asset names with @2x", "".join(f"icon-{i}@2x.png\nicon-{i}@3x.png\n" for i in range(200)))
    add("deps.txt", "lockfile", "npm-style name@version list", "".join(f"left-pad-{i}@1.{i}.0\n@scope/pkg{i}@2.0.{i}\n" for i in range(200)))
    add("git_remotes.txt", "config", "git remotes", "".join(f"origin{i}\tgit@github.com:org/repo{i}.git (fetch)\n" for i in range(40)))
    add("docker-compose.yml", "config", "compose file with env vars", "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n      ADMIN_EMAIL: admin@example.com\n")
    add("k8s_secret_template.yaml", "config", "a secret template with placeholders", "apiVersion: v1\nkind: Secret\ndata:\n  password: <base64-encoded>\n  token: REPLACE_ME\n")
    add("rfc_examples.txt", "docs", "documentation quoting RFC 5322 address examples",
        "Valid: \"john.doe\"@example.org, user+tag@example.com, x@foo.example, admin@mailserver1.test\n")
    add("whitepaper.md", "docs", "a whitepaper citing three authors", "# Paper\n\nBy Anna Varlow (anna@kestrelmark.de), Ben Quennet (ben@quillgate.io) and Carla Holmgard (carla@norvale.co.uk).\n\nAbstract ...\n")
    add("support_macros.yaml", "config", "helpdesk macros with two addresses", "macros:\n  - name: escalate\n    cc: tier2@ourservice.io\n  - name: billing\n    cc: billing@ourservice.io\n")
    add("spam_filter_test.txt", "fixture-reserved", "spam-filter fixtures on .invalid", "".join(f"spammer{i}@bulk{i}.invalid\n" for i in range(100)))
    add("sample_config.ini", "config", "ini with smtp settings", "[smtp]\nhost = smtp.ourservice.io\nfrom = alerts@ourservice.io\nto = oncall@ourservice.io\n")
    add("geo.csv", "reference", "city coordinates", "city,lat,lon\n" + "".join(f"City{i},{rr.uniform(-90, 90):.4f},{rr.uniform(-180, 180):.4f}\n" for i in range(800)))
    add("hr_template.csv", "template", "an HR import template with one example row on example.com", "name,email,team\nJane Example,jane@example.com,eng\n")
    add("bank_holidays.json", "reference", "holidays", json.dumps([{"date": f"2025-{m:02d}-01", "name": f"Holiday {m}"} for m in range(1, 13)]))
    add("release_notes_bot.md", "changelog", "release notes generated by a bot with noreply authors",
        "".join(f"* {c} by @dev{i} ({10000 + i}+dev{i}@users.noreply.github.com)\n" for i, c in enumerate(["fix x", "add y", "docs z"] * 15)))
    add("ssh_config", "config", "ssh config with user@host aliases", "".join(f"Host h{i}\n  HostName 10.1.0.{i}\n  User deploy\n" for i in range(50)))
    add("translators.txt", "authors", "translator list (Qt style)", "".join(f"{lang}: {f} {l} <{m}>\n" for lang, (f, l, m) in zip(["de", "fr", "sv", "fi", "pl", "it", "es", "nl"] * 4, people[:32])))
    add("letter.docx", "docx", "a Word letter with one address", zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Dear Anna, reach me at anna.varlow@kestrelmark.de.</w:t></w:r></w:p></w:body></w:document>')]))
    add("gpg_uids.txt", "keys", "gpg --list-keys output of a few maintainers", "".join(f"pub   rsa4096 2020-01-01 [SC]\n      {hashlib.sha1(m.encode()).hexdigest().upper()}\nuid           [ultimate] {f} {l} <{m}>\n\n" for f, l, m in people[:5]))
    personal_benign(add)
    correspondence_benign(add)
    return B


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    out = ap.parse_args().out
    manifest = ["path\tlabel\tformat\tdescription"]
    leak_items, benign_items = leaks(), benign()
    leak_items.extend((n, f, d, data.encode("utf-8")) for n, f, d, data in STAFF_LEAKS)
    # People lists of projects under neutral names: recognised by content, not by name.
    by_name = {n: (f, d, data) for n, f, d, data in benign_items}
    for i, n in enumerate(["AUTHORS", ".mailmap", "CHANGELOG.md", "de.po", "package.json", "MAINTAINERS", "NEWS",
                           "THANKS", "CREDITS.txt", "debian/changelog", "translators.txt", "pyproject.toml",
                           "CONTRIBUTORS.md"]):
        f, d, data = by_name[n]
        benign_items.append((f"renamed/people_{i:02d}.txt", f + "-renamed", f"{n} saved under a neutral name", data))
    for label, items in (("leak", leak_items), ("benign", benign_items)):
        d = os.path.join(out, label)
        # real-*/ holds slices of real public data, committed as fetched (REAL.tsv): kept.
        if os.path.isdir(d):
            for e in os.listdir(d):
                if not e.startswith("real-"):
                    p = os.path.join(d, e)
                    shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
        os.makedirs(d, exist_ok=True)
        names = set()
        for name, fmt, desc, data in items:
            assert name not in names, name
            names.add(name)
            os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            manifest.append(f"{label}/{name}\t{label}\t{fmt}\t{desc}")
    real = os.path.join(os.path.dirname(os.path.abspath(__file__)), "REAL.tsv")
    with open(real) as f:
        for line in f.read().splitlines()[1:]:
            path, label, fmt, source, lic, desc = line.split("\t")
            manifest.append(f"{path}\t{label}\t{fmt}\t{desc} (source {source}; license {lic})")
    with open(os.path.join(out, "MANIFEST.tsv"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print(f"{sum(1 for m in manifest if chr(9) + 'leak' + chr(9) in m)} leak, {sum(1 for m in manifest if chr(9) + 'benign' + chr(9) in m)} benign")


if __name__ == "__main__":
    main()
