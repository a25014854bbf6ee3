"""A decoder for the Remit wire protocol, versions 1 to 3, written from PROTOCOL.md alone.

It is deliberately plain: the standard library only, one table per message, so that an
integration engineer can read it beside the specification. It decodes a whole frame to the
JSON meaning used by vectors/, or raises RemitError with the code, field id and whether the
connection must close.

    frame = decode_frame(bytes.fromhex(vector["hex"]))
"""

import os
import re
import struct

HEADER = struct.Struct("<2sBBHHQII")  # magic, version, flags, type, reserved, requestId, bodyLength, crc
MAX_BODY = 4_194_304
MAX_BATCH = 8_189
MAX_LEGS = 8
MAX_MSISDN = 999_999_999_999_999
VERSIONS = (1, 2, 3)


def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _spec_tables():
    """Error codes and field ids, read from the specification's own tables."""
    spec = open(os.path.join(os.path.dirname(__file__), "..", "PROTOCOL.md"), encoding="utf-8").read()
    codes = {int(c): n for c, n in re.findall(r"^\| (\d{4}) \| `([A-Z0-9_]+)` \|", spec, re.M)}
    section = spec.split("### Field ids")[1].split("## 8.")[0]
    fields = {0}
    for row in section.splitlines():
        fields.update(int(x) for x in re.findall(r"\| (\d+) \|", row + " |"))
    return codes, fields


ERROR_CODES, FIELD_IDS = _spec_tables()

ENUMS = {
    "AmountMode": ["SEND", "RECEIVE"],
    "Product": ["MOBILE_WALLET", "CASH_PICKUP", "ACCOUNT_CREDIT", "SAVINGS_DEPOSIT", "LOAN_REPAYMENT",
                "INSURANCE_PREMIUM", "EDUCATION_FUND", "PENSION_CONTRIBUTION", "ROTATING_SAVINGS",
                "PROJECT_CONTRIBUTION"],
    "Purpose": ["FAMILY_SUPPORT", "EDUCATION", "MEDICAL", "SAVINGS", "HOUSING", "BUSINESS", "GIFT", "SALARY",
                "COMMUNITY_PROJECT", "LOAN_REPAYMENT", "OTHER"],
    "LegFailurePolicy": ["REFUND_LEG", "REDIRECT_TO_FIRST_LEG"],
    "TransferState": ["ACCEPTED", "DISPATCHED", "IN_DOUBT", "PAID", "FAILED", "REFUNDED", "CANCELLED", "REVERSED",
                      "REJECTED", "IN_REVIEW", "PARTIALLY_PAID"],
    "LegState": ["PENDING", "DISPATCHED", "IN_DOUBT", "PAID", "FAILED", "REFUNDED", "REDIRECTED", "CANCELLED",
                 "REVERSED"],
    "ProjectRefundPolicy": ["FULL", "AMOUNT"],
    "ProjectState": ["OPEN", "FUNDED", "REFUNDING", "REFUNDED", "COMPLETED"],
    "MilestoneState": ["PENDING", "DISBURSING", "PAID", "FAILED"],
    "ContributionState": ["HELD", "REFUNDED"],
}


class RemitError(Exception):
    def __init__(self, code, field=0, closes=False, detail=""):
        super().__init__(f"{code} {ERROR_CODES.get(code, '?')} field {field}: {detail}")
        self.code, self.field, self.closes = code, field, closes


class Reader:
    def __init__(self, data: bytes, version: int = 1):
        self.data, self.pos, self.version = data, 0, version

    def take(self, n, fid):
        if self.pos + n > len(self.data):
            raise RemitError(1007, fid, detail="truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self, fmt, fid):
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size, fid))[0]

    def remaining(self):
        return len(self.data) - self.pos


# Field kinds: (name, kind, fid). Kinds: u8 u16 u32 u64 i32 i64, id (id128), oid (id128, zero = None),
# cur, cty, msisdn, err (error code), fid (field id), r8/r16/r32 (reserved), enum:Name, opt (Transfer's
# byte 73: reserved in version 1, options in version 2).
FIELD_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "i32": 4, "i64": 8, "id": 16, "oid": 16, "cur": 3, "cty": 2,
               "msisdn": 8, "err": 2, "fid": 2, "r8": 1, "r16": 2, "r32": 4, "opt": 1}


def read_field(r, kind, fid):
    if kind.startswith("enum:"):
        values = ENUMS[kind[5:]]
        raw = r.int("B", fid)
        if not 1 <= raw <= len(values):
            raise RemitError(1011, fid, detail=f"{raw} not a {kind[5:]}")
        return values[raw - 1]
    if kind in ("u8", "u16", "u32", "u64", "i32", "i64"):
        return r.int({"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i32": "i", "i64": "q"}[kind], fid)
    if kind in ("r8", "r16", "r32"):
        if r.int({"r8": "B", "r16": "H", "r32": "I"}[kind], 5) != 0:
            raise RemitError(1006, 5)
        return None
    if kind == "opt":
        value = r.int("B", fid if r.version >= 2 else 5)
        if r.version < 2 and value != 0:
            raise RemitError(1006, 5)
        if value & ~1:
            raise RemitError(1006, fid, detail="only bit 0 of options is defined")
        return bool(value & 1)
    if kind in ("id", "oid"):
        raw = r.take(16, fid).hex()
        if kind == "oid" and int(raw, 16) == 0:
            return None
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    if kind in ("cur", "cty"):
        raw = r.take(3 if kind == "cur" else 2, fid)
        if not all(0x41 <= b <= 0x5A for b in raw):
            raise RemitError(1011, fid, detail="not capitals")
        return raw.decode()
    if kind == "msisdn":
        value = r.int("Q", fid)
        if value > MAX_MSISDN:
            raise RemitError(1011, fid, detail="more than 15 digits")
        return value
    if kind == "err":
        value = r.int("H", fid)
        if value != 0 and value not in ERROR_CODES:
            raise RemitError(1011, fid, detail=f"unknown error code {value}")
        return value
    if kind == "fid":
        value = r.int("H", fid)
        if value not in FIELD_IDS:
            raise RemitError(1011, fid, detail=f"unknown field id {value}")
        return value
    raise ValueError(kind)


def read_string(r, maximum, ascii_only, fid):
    length = r.int("B", fid)
    if length > maximum:
        raise RemitError(1009, fid, detail=f"{length} > {maximum}")
    raw = r.take(length, fid)
    if ascii_only:
        if any(b < 0x21 or b > 0x7E for b in raw):
            raise RemitError(1011, fid, detail="not printable ASCII")
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RemitError(1010, fid) from None
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text):
        raise RemitError(1011, fid, detail="control character")
    return text


def read_identifier(r, fid):
    """Version 3: an id string, 1 to 34 letters, digits, '-', '.' or '_'."""
    text = read_string(r, 34, True, fid)
    if not re.fullmatch(r"[A-Za-z0-9._-]+", text):
        raise RemitError(1011, fid, detail="not an id")
    return text


def read_block(r, length, fields):
    """Reads a block of `length` bytes holding `fields`; bytes past them are skipped."""
    minimum = sum(FIELD_SIZES.get(k, 1) for _, k, _ in fields)
    if length < minimum:
        raise RemitError(1012, 9)
    block = Reader(r.take(length, 9), r.version)
    out = {}
    for name, kind, fid in fields:
        value = read_field(block, kind, fid)
        if kind == "opt":
            if value:
                out[name] = True
        elif not kind.startswith("r"):
            out[name] = value
    return out


def read_group(r, spec, fid, min_count, max_count):
    entry_block = r.int("H", 9)
    count = r.int("H", fid)
    minimum = sum(FIELD_SIZES.get(k, 1) for _, k, _ in spec["block"])
    if entry_block < minimum:
        raise RemitError(1012, 9)
    if not min_count <= count <= max_count:
        raise RemitError(1013, fid, detail=f"{count} entries")
    if count * entry_block > r.remaining():
        raise RemitError(1007, fid)
    return [read_part(r, entry_block, spec) for _ in range(count)]


def read_part(r, block_length, spec):
    out = read_block(r, block_length, spec["block"])
    for item in spec.get("vars", []):
        if item[0] == "str":
            _, name, maximum, ascii_only, fid = item
            out[name] = read_string(r, maximum, ascii_only, fid)
        elif item[0] == "ident":
            _, name, fid = item
            out[name] = read_identifier(r, fid)
        else:
            _, name, sub, fid, min_count, max_count = item
            out[name] = read_group(r, sub, fid, min_count, max_count)
    return out


QUOTE_LEG = {"block": [("product", "enum:Product", 51), ("reserved", "r8", 0), ("share", "u16", 52)],
             "vars": [("str", "institution", 16, True, 53)]}
QUOTED_LEG = {"block": [("product", "enum:Product", 51), ("reserved", "r8", 0), ("share", "u16", 52),
                        ("payoutAmount", "i64", 10)],
              "vars": [("str", "institution", 16, True, 53)]}
LEG = {"block": [("product", "enum:Product", 51), ("reserved", "r8", 0), ("share", "u16", 52)],
       "vars": [("str", "institution", 16, True, 53), ("str", "account", 34, True, 54)]}
TRANSFER = {
    "block": [("transferId", "id", 17), ("quoteId", "oid", 16), ("amount", "i64", 10),
              ("senderPhone", "msisdn", 36), ("beneficiaryPhone", "msisdn", 42), ("senderDateOfBirth", "u32", 34),
              ("sendCurrency", "cur", 11), ("payoutCurrency", "cur", 12), ("sendCountry", "cty", 13),
              ("payoutCountry", "cty", 14), ("amountMode", "enum:AmountMode", 15), ("purpose", "enum:Purpose", 18),
              ("legFailurePolicy", "enum:LegFailurePolicy", 19), ("applyStandingInstruction", "opt", 21)],
    "vars": [("str", "operatorReference", 35, False, 20), ("str", "senderName", 140, False, 30),
             ("str", "senderAccount", 34, True, 31), ("str", "senderAddress", 140, False, 32),
             ("str", "senderNationalId", 35, False, 33), ("str", "senderPlaceOfBirth", 35, False, 35),
             ("str", "beneficiaryName", 140, False, 40), ("str", "beneficiaryAccount", 34, True, 41),
             ("group", "legs", LEG, 50, 1, MAX_LEGS)],
}
TRANSFER_RESULT = {"block": [
    ("transferId", "id", 17), ("sendAmount", "i64", 10), ("fee", "i64", 0), ("payoutAmount", "i64", 0),
    ("recordedAt", "i64", 0), ("errorCode", "err", 0), ("fieldId", "fid", 0), ("state", "enum:TransferState", 0),
    ("flags", "u8", 3), ("legIndex", "u8", 0), ("reserved", "r8", 0)]}
LEG_STATUS = {"block": [("product", "enum:Product", 51), ("state", "enum:LegState", 0), ("share", "u16", 52),
                        ("errorCode", "err", 0), ("reserved", "r16", 0), ("payoutAmount", "i64", 10)],
              "vars": [("str", "institution", 16, True, 53), ("str", "partnerReference", 64, True, 0)]}

# type: (name, requestId rule, spec). Rules: "nonzero" for requests and their answers, "zero", "any".
MESSAGES = {
    0x0001: ("Hello", "nonzero", {"block": [("minVersion", "u8", 70), ("maxVersion", "u8", 71),
                                            ("reserved", "r16", 0)],
                                  "vars": [("str", "clientName", 64, False, 72)]}),
    0x0002: ("Welcome", "nonzero", {"block": [
        ("version", "u8", 2), ("reserved", "r8", 0), ("maxLegsPerTransfer", "u16", 0), ("maxBodyLength", "u32", 0),
        ("maxBatchTransfers", "u16", 0), ("maxInFlightRequests", "u16", 0), ("heartbeatIntervalMs", "u32", 0),
        ("idleTimeoutMs", "u32", 0), ("eventWindow", "u16", 0), ("reserved", "r16", 0), ("serverTime", "i64", 0),
        ("sessionId", "u64", 0)],
        "vars": [("str", "operatorId", 32, True, 0), ("str", "serverName", 64, False, 0)]}),
    0x0003: ("Heartbeat", "nonzero", {"block": [("sentAt", "i64", 82)]}),
    0x0004: ("HeartbeatAck", "nonzero", {"block": [("echoedSentAt", "i64", 82), ("serverTime", "i64", 0)]}),
    0x0005: ("Error", "any", {"block": [("code", "err", 0), ("fieldId", "fid", 0), ("entryIndex", "u32", 0),
                                        ("retryAfterMs", "u32", 0)],
                              "vars": [("str", "detail", 255, False, 0)]}),
    0x0010: ("QuoteRequest", "nonzero", {"block": [
        ("amount", "i64", 10), ("sendCurrency", "cur", 11), ("payoutCurrency", "cur", 12), ("sendCountry", "cty", 13),
        ("payoutCountry", "cty", 14), ("amountMode", "enum:AmountMode", 15), ("reserved", "r8", 0)],
        "vars": [("group", "legs", QUOTE_LEG, 50, 1, MAX_LEGS)]}),
    0x0011: ("Quote", "nonzero", {"block": [
        ("quoteId", "id", 16), ("sendAmount", "i64", 10), ("fee", "i64", 0), ("payoutAmount", "i64", 0),
        ("rate", "i64", 0), ("referenceRate", "i64", 0), ("createdAt", "i64", 0), ("expiresAt", "i64", 0),
        ("rateMargin", "i32", 0), ("totalCost", "i32", 0), ("sendCurrency", "cur", 11), ("payoutCurrency", "cur", 12),
        ("sendCountry", "cty", 13), ("payoutCountry", "cty", 14), ("amountMode", "enum:AmountMode", 15),
        ("reserved", "r8", 0)],
        "vars": [("group", "legs", QUOTED_LEG, 50, 1, MAX_LEGS)]}),
    0x0020: ("SubmitTransfers", "nonzero", {"block": [],
                                            "vars": [("group", "transfers", TRANSFER, 60, 1, MAX_BATCH)]}),
    0x0021: ("SubmitTransfersResult", "nonzero", {"block": [],
                                                  "vars": [("group", "results", TRANSFER_RESULT, 60, 1, MAX_BATCH)]}),
    0x0030: ("GetTransfer", "nonzero", {"block": [("transferId", "id", 17)]}),
    0x0031: ("TransferStatus", "nonzero", {"block": [
        ("transferId", "id", 17), ("quoteId", "oid", 16), ("sendAmount", "i64", 10), ("fee", "i64", 0),
        ("payoutAmount", "i64", 0), ("rate", "i64", 0), ("createdAt", "i64", 0), ("updatedAt", "i64", 0),
        ("lastEventSequence", "u64", 80), ("errorCode", "err", 0), ("state", "enum:TransferState", 0),
        ("reserved", "r8", 0), ("sendCurrency", "cur", 11), ("payoutCurrency", "cur", 12), ("sendCountry", "cty", 13),
        ("payoutCountry", "cty", 14)],
        "vars": [("str", "operatorReference", 35, False, 20), ("group", "legs", LEG_STATUS, 50, 0, MAX_LEGS)]}),
    0x0032: ("CancelTransfer", "nonzero", {"block": [("transferId", "id", 17)],
                                           "vars": [("str", "reason", 140, False, 81)]}),
    0x0040: ("Subscribe", "nonzero", {"block": [("afterSequence", "u64", 80)]}),
    0x0041: ("Subscribed", "nonzero", {"block": [("oldestSequence", "u64", 80), ("latestSequence", "u64", 80)]}),
    0x0042: ("Event", "zero", {"block": [
        ("sequence", "u64", 80), ("transferId", "id", 17), ("occurredAt", "i64", 0), ("errorCode", "err", 0),
        ("legIndex", "u8", 0), ("state", "u8", 0)],
        "vars": [("str", "partnerReference", 64, True, 0)]}),
    0x0043: ("EventAck", "zero", {"block": [("throughSequence", "u64", 80)]}),
    # Version 2: standing instructions. An instruction has at most MAX_LEGS - 1 legs.
    0x0050: ("SetStandingInstruction", "nonzero", {"block": [], "vars": [
        ("str", "beneficiaryAccount", 34, True, 41), ("str", "reference", 35, False, 22),
        ("group", "legs", LEG, 50, 0, MAX_LEGS - 1)]}),
    0x0051: ("StandingInstruction", "nonzero", {
        "block": [("updatedAt", "i64", 0), ("revision", "u32", 0), ("reserved", "r32", 0)],
        "vars": [("str", "beneficiaryAccount", 34, True, 41), ("str", "reference", 35, False, 22),
                 ("group", "legs", LEG, 50, 0, MAX_LEGS - 1)]}),
    0x0052: ("GetStandingInstruction", "nonzero", {"block": [], "vars": [("str", "beneficiaryAccount", 34, True, 41)]}),
}

# Version 3: collective remittances.
MILESTONE = {"block": [("amount", "i64", 10)], "vars": [("str", "description", 140, False, 112)]}
SPONSOR = {"block": [("ratioPpm", "i32", 0), ("reserved", "r32", 0), ("projectCap", "i64", 0),
                     ("contributorCap", "i64", 0), ("minContribution", "i64", 0), ("matched", "i64", 0),
                     ("returned", "i64", 0)],
           "vars": [("ident", "sponsorId", 119), ("str", "name", 140, False, 120),
                    ("str", "sendCountries", 149, True, 122)]}
MILESTONE_STATUS = {"block": [("amount", "i64", 10), ("disbursed", "i64", 0), ("state", "enum:MilestoneState", 118),
                              ("reserved", "r8", 0), ("reserved", "r16", 0), ("reserved", "r32", 0)],
                    "vars": [("str", "description", 140, False, 112)]}
MATCH = {"block": [("amount", "i64", 10)], "vars": [("ident", "sponsorId", 119)]}
RECEIPT_BLOCK = [("number", "u64", 0), ("transferId", "oid", 17), ("amount", "i64", 10), ("receivedAt", "i64", 0),
                 ("legIndex", "u8", 114), ("state", "enum:ContributionState", 118), ("sendCountry", "cty", 13),
                 ("reserved", "r32", 0)]
RECEIPT_VARS = [("str", "contributorName", 140, False, 121), ("group", "matches", MATCH, 117, 0, 8)]
RECEIPT = {"block": RECEIPT_BLOCK, "vars": RECEIPT_VARS}
PROJECT_TEXT = [("ident", "projectId", 100), ("ident", "associationId", 101), ("str", "associationName", 140, False, 102),
                ("str", "title", 140, False, 103), ("str", "institution", 16, True, 109),
                ("str", "account", 34, True, 110)]
MESSAGES.update({
    0x0060: ("OpenProject", "nonzero", {
        "block": [("target", "i64", 104), ("deadline", "i64", 107), ("currency", "cur", 105), ("country", "cty", 106),
                  ("refundPolicy", "enum:ProjectRefundPolicy", 108), ("reserved", "r16", 0)],
        "vars": PROJECT_TEXT + [("group", "milestones", MILESTONE, 111, 1, 20)]}),
    0x0061: ("ProjectStatement", "nonzero", {
        "block": [("target", "i64", 104), ("contributed", "i64", 0), ("matched", "i64", 0), ("escrow", "i64", 0),
                  ("disbursed", "i64", 0), ("deadline", "i64", 107), ("contributions", "u32", 0),
                  ("currency", "cur", 105), ("country", "cty", 106), ("state", "enum:ProjectState", 118),
                  ("refundPolicy", "enum:ProjectRefundPolicy", 108), ("reserved", "r8", 0)],
        "vars": PROJECT_TEXT + [("group", "sponsors", SPONSOR, 115, 0, 8),
                                ("group", "milestones", MILESTONE_STATUS, 111, 1, 20),
                                ("group", "receipts", RECEIPT, 116, 0, 256)]}),
    0x0062: ("GetProject", "nonzero", {"block": [("afterReceipt", "u64", 113)], "vars": [("ident", "projectId", 100)]}),
    0x0063: ("GetContributionReceipt", "nonzero", {"block": [("transferId", "id", 17), ("legIndex", "u8", 114)]}),
    0x0064: ("ContributionReceipt", "nonzero", {
        "block": RECEIPT_BLOCK + [("currency", "cur", 105), ("reserved", "r8", 0)],
        "vars": [("ident", "projectId", 100), ("str", "title", 140, False, 103)] + RECEIPT_VARS}),
})
SINCE_VERSION = {0x0050: 2, 0x0051: 2, 0x0052: 2, 0x0060: 3, 0x0061: 3, 0x0062: 3, 0x0063: 3, 0x0064: 3}


def _finish(name, m):
    """The checks and shapes that a table cannot say (PROTOCOL.md section 6)."""
    if name == "Hello":
        if m["minVersion"] < 1:
            raise RemitError(1011, 70)
        if m["maxVersion"] < m["minVersion"]:
            raise RemitError(1011, 71)
    elif name == "Error":
        if m["code"] == 0:
            raise RemitError(1011, 0)
        if m["entryIndex"] == 0xFFFFFFFF:
            m["entryIndex"] = None
    elif name == "SubmitTransfersResult":
        for result in m["results"]:
            flags = result.pop("flags")
            if flags & ~1:
                raise RemitError(1006, 5)
            result["replayed"] = bool(flags & 1)
            if result["legIndex"] == 0xFF:
                result["legIndex"] = None
    elif name == "Event":
        if m["legIndex"] == 0xFF:
            m["legIndex"], states = None, ENUMS["TransferState"]
        else:
            states = ENUMS["LegState"]
        if not 1 <= m["state"] <= len(states):
            raise RemitError(1011, 0)
        m["state"] = states[m["state"] - 1]
    elif name == "ProjectStatement":
        for receipt in m["receipts"]:
            if receipt["transferId"] is None:
                del receipt["transferId"]
    elif name == "ContributionReceipt":
        receipt = {key: m.pop(key) for key in [k for k, _, _ in RECEIPT_BLOCK if k != "reserved"]
                   + ["contributorName", "matches"]}
        if receipt["transferId"] is None:
            del receipt["transferId"]
        m["receipt"] = receipt
    return m


def decode_frame(data: bytes, max_body: int = MAX_BODY):
    """Decodes exactly one frame. Returns {"type", "requestId", "message"} (and "version" when it is not 1),
    or None if incomplete. Any version this decoder speaks is accepted: a session also checks that it is
    the negotiated one (PROTOCOL.md section 2)."""
    if len(data) < HEADER.size:
        return None
    magic, version, flags, mtype, reserved, request_id, body_length, crc = HEADER.unpack_from(data)
    if magic != b"RM":
        raise RemitError(1001, 1, closes=True)
    if version not in VERSIONS:
        raise RemitError(1002, 2, closes=True)
    if flags != 0:
        raise RemitError(1006, 3, closes=True)
    if reserved != 0:
        raise RemitError(1006, 5, closes=True)
    if body_length > max_body:
        raise RemitError(1003, 7, closes=True)
    if len(data) < HEADER.size + body_length:
        return None
    body = data[HEADER.size:HEADER.size + body_length]
    if crc32c(body) != crc:
        raise RemitError(1004, 8, closes=True)
    if mtype not in MESSAGES or SINCE_VERSION.get(mtype, 1) > version:
        raise RemitError(1005, 4)
    name, rule, spec = MESSAGES[mtype]
    if (rule == "nonzero" and request_id == 0) or (rule == "zero" and request_id != 0):
        raise RemitError(1011, 6)
    r = Reader(body, version)
    message = _finish(name, read_part(r, r.int("H", 9), spec))
    if r.remaining():
        raise RemitError(1008, 90)
    frame = {"type": name, "requestId": request_id, "message": message}
    if version != 1:
        frame["version"] = version
    return frame
