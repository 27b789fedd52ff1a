"""批量导入账号 validation is a pure function: every line gets 导入成功 or its precise reason."""
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropship.errors import FieldError
from dropship.services.accounts import MAX_IMPORT_LINES, Existing, parse_import


def key(token: str) -> str:  # search_key needs the app's secret; the rule only needs equal → equal
    return hashlib.sha256(token.encode()).hexdigest()[:32]


NONE = Existing()
TOKEN = "A1B2C3D4E5F6G7H8J9K0"


def verdicts(tab: str, text: str, existing: Existing = NONE) -> list[tuple[int, str]]:
    return [(line.number, line.error) for line in parse_import(tab, text, existing, key)]


def test_the_three_pdd_formats_and_their_parts():
    lines = parse_import("pdd", f"13800000001---1001---{TOKEN}1\n\n2002---{TOKEN}2\n{TOKEN}3", NONE, key)
    assert [(ln.number, ln.login, ln.account_id, ln.secret, ln.error) for ln in lines] == [
        (1, "13800000001", "1001", TOKEN + "1", ""), (3, "", "2002", TOKEN + "2", ""), (4, "", "", TOKEN + "3", "")]


@pytest.mark.parametrize("line,reason", [
    ("a---b---c---d", "格式错误：应为 拼多多账号---账号ID---账号Token"),
    (f"---{TOKEN}", "格式错误：应为 拼多多账号---账号ID---账号Token"),
    (f"abc---{TOKEN}", "格式错误：账号ID 应为数字"),
    ("1001---short", "格式错误：账号Token 应为 16–200 位"),
    ("token with spaces inside it", "格式错误：账号Token 应为 16–200 位"),
])
def test_pdd_format_reasons(line, reason):
    [(_, error)] = verdicts("pdd", line)
    assert error.startswith(reason)


def test_duplicates_stored_or_earlier_in_the_paste():
    existing = Existing(logins=frozenset({"13800000009"}), pdd_ids=frozenset({"9009"}),
                        token_keys=frozenset({key(TOKEN + "X")}))
    text = "\n".join([f"13800000009---1---{TOKEN}1", f"9009---{TOKEN}2", TOKEN + "X", f"77---{TOKEN}4",
                      f"78---{TOKEN}4", f"77---{TOKEN}5"])
    assert verdicts("pdd", text, existing) == [
        (1, "重复：账号已存在"), (2, "重复：账号ID已存在"), (3, "重复：Token已存在"), (4, ""),
        (5, "重复：与第 4 行Token相同"), (6, "重复：与第 4 行账号ID相同")]


def test_taobao_duplicates_ignore_case_and_passwords_never_collide():
    text = "Buyer_A---same-pw\nbuyer_a---other\nbuyer_b---same-pw"
    assert verdicts("taobao", text, Existing(logins=frozenset({"old"}))) == [
        (1, ""), (2, "重复：与第 1 行账号相同"), (3, "")]


def test_more_than_1000_lines_refuses_the_whole_paste_and_blank_lines_do_not_count():
    parse_import("taobao", "\n\n".join(f"u{n}---p" for n in range(MAX_IMPORT_LINES)), NONE, key)
    with pytest.raises(FieldError, match="一次最多导入 1000 行，当前 1001 行"):
        parse_import("taobao", "\n".join(f"u{n}---p" for n in range(MAX_IMPORT_LINES + 1)), NONE, key)
    with pytest.raises(FieldError, match="请粘贴要导入的账号"):
        parse_import("pdd", " \n\t\n", NONE, key)


def test_a_mixed_paste_of_50_lines_with_10_bad_gives_40_good_and_10_precise_reasons():
    good = [f"buyer{n:02d}---pw{n}" for n in range(40)]
    bad = ["nopassword", "a---b---c", "---pw", "buyer00---again", "BUYER01---again", "x" * 65 + "---pw",
           "ok---" + "p" * 65, "stored---pw", "buyer02---x", " ---  "]
    text = "\n".join(good[:20] + bad + good[20:])
    result = parse_import("taobao", text, Existing(logins=frozenset({"stored"})), key)
    assert len(result) == 50 and sum(1 for ln in result if not ln.error) == 40
    assert [ln.error for ln in result if ln.error] == [
        "格式错误：应为 账号---密码", "格式错误：应为 账号---密码", "格式错误：账号和密码都不能为空",
        "重复：与第 1 行账号相同", "重复：与第 2 行账号相同", "格式错误：账号超过 64 个字符",
        "格式错误：密码超过 64 个字符", "重复：账号已存在", "重复：与第 3 行账号相同", "格式错误：账号和密码都不能为空"]


# -- properties -----------------------------------------------------------------------------------

login = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1,
                max_size=64).filter(lambda s: "---" not in s and s.strip() == s and "-" not in s[-1:] + s[:1])
secret = st.text("abcXYZ0189_-", min_size=16, max_size=40).filter(lambda s: "---" not in s and s[0] != "-" and s[-1] != "-")


@given(st.lists(st.one_of(st.tuples(login, secret).map(lambda p: f"{p[0]}---{p[1]}"), st.text(max_size=30)),
                min_size=1, max_size=60))
def test_every_nonblank_line_gets_exactly_one_verdict_in_order(raw_lines):
    text = "\n".join(raw_lines)
    expected = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not expected:
        return
    result = parse_import("taobao", text, NONE, key)
    assert [ln.number for ln in result] == expected
    good = [ln for ln in result if not ln.error]
    assert len({ln.login.lower() for ln in good}) == len(good)  # no duplicate survives
    assert all(ln.error.startswith(("格式错误：", "重复：")) for ln in result if ln.error)


@given(st.lists(st.tuples(st.sampled_from(["", "1380000000"]), st.integers(0, 5), secret), min_size=1, max_size=30))
def test_a_pdd_line_that_passes_names_a_well_formed_token_and_nothing_repeats(parts):
    text = "\n".join("---".join(p for p in ((phone + str(n)) if phone else "", str(n), tok) if p)
                     for phone, n, tok in parts)
    result = parse_import("pdd", text, NONE, key)
    good = [ln for ln in result if not ln.error]
    assert len({ln.secret for ln in good}) == len(good) and len({ln.account_id for ln in good}) == len(good)
    assert all(16 <= len(ln.secret) <= 200 for ln in good)
