"""Validation messages in Japanese: every message a scenario file can be refused with.

The loader, the cross-checks, the sweep paths and the cost limits write their messages in
English (the CLI's language, and what tests and logs quote); the app shows them in the
reader's language. A message is translated by matching it against the known forms
(pydantic's error types as the format raises them, and each of the project's own
messages), so the values it quotes (a field's value, a limit, an id) are kept exactly.
The field path stays a dotted path, followed by the field's Japanese name where known:
``bad.yaml 12行目: vehicles[0].tranches[0].size（トランシェの比率）: 0 より大きい値に
してください``.

:func:`translate` gives None for a message it does not know (the caller then shows the
English, never nothing); ``tests/test_messages_ja.py`` checks that every message the
format raises is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from finmodel.scenario.errors import FieldPath, Problem, ScenarioError, format_path
from finmodel.vocabulary import WORDS

#: Japanese names of the format's fields, by key (the last key of a path).
FIELDS_JA: dict[str, str] = {
    # scenario
    "name": "名称", "name_ja": "名称（日本語）", "label": "表示名", "label_ja": "表示名（日本語）",
    "description": "説明", "illustrative": "例示の数値かどうか", "seed": "乱数シード",
    "unit": "単位", "providers": "資金提供者", "vehicles": "ビークル", "region": "地域",
    "simulation": "シミュレーション", "pipeline": "パイプライン", "facilities": "ファシリティ",
    "shocks": "政策ショック", "coordination_cost": "バックボーン組織の年間コスト",
    "economy": "信用サイクル", "indicators": "指標", "logic_model": "ロジックモデル",
    "kpis": "KPI", "portfolio": "ポートフォリオ", "sweep": "スイープ（感応度分析）",
    # providers
    "id": "ID", "type": "種類", "sector": "セクター", "instruments": "資金手法",
    "stages": "成長段階", "issues": "課題", "annual_budget": "年間予算",
    "ticket": "1社あたりの投融資額", "max_expected_loss": "期待損失の上限",
    "rate": "金利", "lgd": "デフォルト時損失率（LGD）", "support": "非金融支援",
    "procyclicality": "景気連動度", "min": "最小額", "max": "最大額",
    "pd_multiplier": "デフォルト確率の倍率", "graduation_multiplier": "卒業確率の倍率",
    "cost_per_firm": "1社あたりの支援コスト", "capacity": "年間の支援可能社数",
    # vehicles, pools, tranches, guarantees
    "pool": "プール", "segment": "セグメント名", "count": "件数",
    "exposure": "1件あたりの金額", "annual_pd": "年間デフォルト確率",
    "amortisation": "返済方法", "stage": "成長段階", "issue": "課題",
    "tranches": "トランシェ", "provider": "資金提供者", "kind": "種類",
    "size": "トランシェの比率", "coupon": "クーポン", "market_coupon": "市場クーポン",
    "hurdle_return": "ハードルレート", "residual": "残余の受取人",
    "guarantees": "保証", "covers": "保証対象のトランシェ", "cap": "保証上限（キャップ率）",
    "fee": "保証料率", "horizon_years": "期間（年）", "payment_frequency": "年間の支払回数",
    "recovery_lag_years": "回収までの年数", "waterfall": "支払優先順位",
    "management_fee": "管理報酬率", "discount_rate": "割引率", "correlation": "資産相関",
    "factor_model": "ファクターモデル", "issue_correlation": "同じ課題内の資産相関",
    "engine": "損失計算エンジン", "paths": "パス数", "quadrature_nodes": "求積点数",
    "lattice_points": "格子点数", "default_timing": "デフォルト期の利払い割合",
    # bundle
    "core_issue": "コア課題", "persistence": "持続性", "path": "Z_t の固定経路",
    "years": "シミュレーション年数", "replications": "試行回数",
    "arrivals": "新規企業数（年）", "arrival_process": "新規企業の到着過程",
    "retries": "再申込の年数", "need": "資金需要", "median": "中央値",
    "p90": "90パーセンタイル", "graduation": "卒業確率",
    "max_years": "段階にとどまる最長年数", "share": "負担割合", "budget": "予算",
    "year": "年", "budget_multiplier": "予算の倍率",
    # impact
    "nodes": "ノード", "links": "リンク", "from": "起点", "to": "終点", "weight": "重み",
    "level": "段階", "scale": "1単位の大きさ", "spillover": "波及", "indicator": "指標",
    "baseline": "基準値", "target": "目標値", "target_year": "目標年",
    "candidates": "候補企業数", "max_share_per_issue": "課題あたりの上限割合",
    "max_share_per_firm": "1社あたりの上限割合", "time_limit": "ソルバーの時間上限",
    "impact_scales": "インパクトの単位", "contributions": "貢献",
    "support_options": "非金融支援の選択肢", "cost": "コスト", "amount": "量",
    "mean": "平均", "sd": "標準偏差", "frontier_points": "フロンティアの点数",
    "public_share": "公的資金の割合", "direction": "望ましい方向", "name_en": "名称（英語）",
    "sdg_goal": "SDGsのゴール", "sdg_target": "SDGsのターゲット", "per": "単位あたり",
    # sweep
    "grid": "グリッド", "design": "点の選び方", "ranges": "範囲",
    "common_random_numbers": "共通乱数",
}

#: Names that depend on the section: (section, key).
CONTEXT_JA: dict[tuple[str, str], str] = {
    ("guarantees", "rate"): "保証率", ("pool", "rate"): "貸出金利",
    ("providers", "rate"): "貸出金利", ("facilities", "rate"): "保証率・融資金利",
    ("facilities", "cap"): "保証上限", ("facilities", "fee"): "年間保証料率",
    ("economy", "correlation"): "景気要因との相関", ("tranches", "name"): "トランシェ名",
    ("pool", "stage"): "成長段階", ("support", "stages"): "支援する成長段階",
    ("pipeline", "stages"): "段階別の条件", ("portfolio", "budget"): "ポートフォリオの予算",
    ("portfolio", "correlation"): "資産相関", ("sweep", "count"): "点の数",
    ("kpis", "kind"): "KPIの種類", ("facilities", "kind"): "ファシリティの種類",
    ("tranches", "kind"): "トランシェの種類", ("providers", "type"): "資金提供者の種類",
}


#: Sections whose keys are data (a stage, an issue, an indicator id, a dotted path), not
#: field names.
DATA_SECTIONS = frozenset({"arrivals", "stages", "scale", "impact_scales", "spillover",
                           "public_share", "grid", "ranges"})


def _data_word(key: str) -> str:
    """A data key in Japanese: a domain word, an indicator's Japanese name, else as is."""
    pair = WORDS.get(key)
    if pair is not None:
        return pair[1]
    from finmodel.impact.catalogue import shipped_catalogue

    indicator = shipped_catalogue().get(key)
    return indicator.name_ja if indicator is not None else key


def field_name_ja(path: FieldPath) -> str | None:
    """The Japanese name of the field at ``path`` (None when it has none): the name of
    its last key, followed by the data keys under it in Japanese (a stage, an issue, an
    indicator): ``pipeline.arrivals.seed.health`` is 新規企業数（年）・シード・健康・医療・介護."""
    keys = [p for p in path if isinstance(p, str)]
    tail: list[str] = []
    while keys:
        key = keys.pop()
        if keys and keys[-1] in DATA_SECTIONS:
            tail.append(_data_word(key))
            continue
        section = next((k for k in reversed(keys) if k in FIELDS_JA), "")
        known = CONTEXT_JA.get((section, key)) or FIELDS_JA.get(key)
        if known is not None:
            return "・".join([known, *reversed(tail)])
        tail.append(_data_word(key))
    return None


def _choices(text: str) -> str:
    """A list (``'a', 'b' or 'c'``, ``a, b, c``) as ``'a'、'b'、'c'``."""
    return "、".join(part.strip() for part in re.split(r", | or ", text) if part.strip())


_REASONS: list[tuple[str, str]] = [
    (r"mapping values are not allowed here", "ここに「キー: 値」は書けません"),
    (r"found character '(?P<c>.+?)' that cannot start any token",
     "文字 {c} はここでは使えません（タブは空白に置き換えてください）"),
    (r"could not find expected ':'", "「:」が見つかりません"),
    (r"did not find expected key", "キーが見つかりません（字下げを確認してください）"),
    (r"did not find expected ',' or '(?P<c>.)'", "「,」か「{c}」が見つかりません"),
    (r"expected ',' or '(?P<c>.)', but got '?(?P<got>.+?)'?",
     "「,」か「{c}」が必要ですが {got} があります"),
    (r"found unexpected end of stream", "ファイルが途中で終わっています（引用符やかっこを閉じて"
     "ください）"),
    (r"expected <block end>, but found '?(?P<got>.+?)'?",
     "ブロックの終わりが必要ですが {got} があります（字下げを確認してください）"),
    (r"did not find expected '-' indicator", "リストの「-」が見つかりません（字下げを確認して"
     "ください）"),
    (r"found a tab character (?:that violates indentation|where an indentation space is "
     r"expected)", "字下げにタブは使えません（空白に置き換えてください）"),
    (r"found unknown escape character '?(?P<c>.+?)'?", "不明なエスケープ文字 {c} があります"),
    (r"expected alphabetic or numeric character, but found '?(?P<c>.+?)'?",
     "英数字が必要ですが {c} があります"),
]


def _yaml_reason(reason: str) -> str:
    """PyYAML's reason for a syntax error, in Japanese (its parts it knows)."""
    context = re.sub(r"^while (?:parsing|scanning) (?:a |an )?", "", reason)
    for pattern, template in _REASONS:
        found = re.search(pattern, context)
        if found:
            return template.format(**found.groupdict())
    return f"構文を解釈できません（{reason}）"


def _cost_amount(text: str) -> str:
    minutes = re.fullmatch(r"(?P<n>[\d,.]+) minutes", text)
    return f"{minutes['n']} 分" if minutes else text


_WHAT = {"memory": "メモリ", "engine work (draws)": "計算量（乱数の抽出回数）",
         "firm-years": "企業・年数", "portfolio candidates": "ポートフォリオの候補企業数",
         "solver time at worst": "最悪の場合のソルバー時間"}


def _cost_detail(detail: str) -> str:
    forms: list[tuple[str, str]] = [
        (r"(?P<p>[\d,]+) paths x (?P<n>\d+) periods, (?P<s>\d+) segments, (?P<t>\d+) "
         r"tranches and guarantees", "{p} パス × {n} 期、{s} セグメント、トランシェと保証 {t} 件"),
        (r"(?P<r>[\d,]+) replications x (?P<y>\d+) years", "試行 {r} 回 × {y} 年"),
        (r"(?P<c>[\d,]+) candidates", "候補 {c} 社"),
        (r"time_limit (?P<t>\S+) s x \((?P<f>\d+) frontier points \+ 2 portfolios\)",
         "time_limit {t} 秒 ×（フロンティア {f} 点 + 2 ポートフォリオ）"),
    ]
    for pattern, template in forms:
        found = re.fullmatch(pattern, detail)
        if found:
            return template.format(**found.groupdict())
    return detail


def _cost(m: re.Match[str]) -> str:
    hint = {"; lower it, or run with --allow-large": "。値を下げるか、--allow-large を付けて"
            "実行してください", "; lower it": "。値を下げてください", "": ""}[m["hint"]]
    return (f"この計算には約 {_cost_amount(m['amount'])} の{_WHAT.get(m['what'], m['what'])}が"
            f"必要で（{_cost_detail(m['detail'])}）、上限の {_cost_amount(m['limit'])} を超えて"
            f"います{hint}")


def _read_reason(m: re.Match[str]) -> str:
    reason = m["reason"]
    kinds = {"a directory": "ディレクトリ", "a FIFO (named pipe)": "FIFO（名前付きパイプ）",
             "a character device": "キャラクタデバイス", "a block device": "ブロックデバイス",
             "a socket": "ソケット", "not a regular file": "特殊なファイル"}
    kind = re.fullmatch(r"it is (?P<k>.+), not a regular file", reason)
    if kind:
        return f"ファイルを読めません: 通常のファイルではありません（{kinds.get(kind['k'], kind['k'])}）"
    if reason.startswith("not UTF-8 text"):
        return "ファイルを読めません: UTF-8 のテキストではありません"
    errno = re.fullmatch(r"\[Errno (?P<n>\d+)\] (?P<what>[^:]+)(?:: (?P<file>.*))?", reason)
    if errno:
        known = {"2": "ファイルがありません", "13": "読む権限がありません",
                 "21": "ディレクトリです", "36": "ファイル名が長すぎます"}
        said = known.get(errno["n"], f"OS のエラー（errno {errno['n']}）")
        return f"ファイルを読めません: {said}" + (f"（{errno['file']}）" if errno["file"] else "")
    return f"ファイルを読めません: {translate(reason) or reason}"


Rule = tuple[str, "str | Callable[[re.Match[str]], str]"]

#: Every known message form: (regular expression matched against the whole message,
#: Japanese template with the expression's named groups, or a function of the match).
RULES: list[Rule] = [
    # pydantic's error types, as the format's fields raise them
    (r"Field required", "必須の項目がありません"),
    (r"Extra inputs are not permitted", "このキーは使えません"),
    (r"Input should be greater than (?P<v>\S+)", "{v} より大きい値にしてください"),
    (r"Input should be greater than or equal to (?P<v>\S+)", "{v} 以上の値にしてください"),
    (r"Input should be less than (?P<v>\S+)", "{v} 未満の値にしてください"),
    (r"Input should be less than or equal to (?P<v>\S+)", "{v} 以下の値にしてください"),
    (r"Input should be a valid integer", "整数で入力してください"),
    (r"Input should be a valid integer, got a number with a fractional part",
     "整数で入力してください（小数部分があります）"),
    (r"Input should be a valid integer, unable to parse string as an integer",
     "整数で入力してください（文字列は整数として読めません）"),
    (r"Unable to parse input string as an integer, exceeded maximum size",
     "整数として大きすぎます"),
    (r"Input should be a valid number", "数値で入力してください"),
    (r"Input should be a valid number, unable to parse string as a number",
     "数値で入力してください（文字列は数値として読めません）"),
    (r"Input should be a finite number", "有限の数値で入力してください（inf や nan は使えません）"),
    (r"Input should be a number, not true/false",
     "数値で入力してください（true / false は数値ではありません）"),
    (r"Input should be a number, not text \(write it without quotes\)",
     "数値で入力してください（引用符を付けずに書いてください）"),
    (r"Input should be a whole number below 2\*\*63", "2**63 未満の整数で入力してください"),
    (r"Input should be a valid string", "文字列で入力してください"),
    (r"String should have at least (?P<n>\d+) characters?", "{n} 文字以上で入力してください"),
    (r"String should have at most (?P<n>\d+) characters?", "{n} 文字以内で入力してください"),
    (r"String should match pattern '\^\[A-Za-z\]\[A-Za-z0-9_\\-\]\*\$'",
     "英字で始まり、英数字・「_」・「-」だけからなる名前にしてください"),
    (r"String should match pattern '(?P<p>.+)'", "パターン {p} に合う文字列にしてください"),
    (r"Input should be a valid boolean(?:, unable to interpret input)?",
     "true または false で入力してください"),
    (r"Input should be a valid list", "リスト（[...]）で入力してください"),
    (r"Input should be a valid (?:dictionary|dictionary or instance of \w+|dictionary or "
     r"object to extract fields from)", "「キー: 値」のマッピングで入力してください"),
    (r"Input should be a valid date", "日付で入力してください"),
    (r"(?:List|Dictionary|Tuple|Set) should have at least (?P<n>\d+) items? after validation, "
     r"not (?P<a>\d+)", lambda m: f"{m['n']} 個以上の項目が必要です（いま {m['a']} 個）"),
    (r"(?:List|Dictionary|Tuple|Set) should have at most (?P<n>\d+) items? after validation, "
     r"not (?P<a>\d+)", lambda m: f"項目は {m['n']} 個までです（いま {m['a']} 個）"),
    (r"Input should be (?P<e>(?:'[^']*'|-?\d[\d.]*)(?:(?:, | or )(?:'[^']*'|-?\d[\d.]*))*)",
     lambda m: f"次のいずれかにしてください: {_choices(m['e'])}"),
    (r"Value error, (?P<rest>.+)", lambda m: translate(m["rest"]) or m["rest"]),
    (r"Assertion failed, (?P<rest>.+)", lambda m: translate(m["rest"]) or m["rest"]),
    # the loader and the YAML reader
    (r"unknown key '(?P<k>.+?)'", "不明なキー '{k}' です"),
    (r"a scenario must be a mapping of keys to values",
     "シナリオは「キー: 値」のマッピングでなければなりません"),
    (r"cannot read file: (?P<reason>.+)", _read_reason),
    (r"the scenario is (?P<n>[\d,]+) bytes, more than the (?P<m>[\d,]+) \(10 MB\) a scenario "
     r"file may have", "シナリオが {n} バイトあり、シナリオファイルの上限 {m} バイト（10 MB）を"
     "超えています"),
    (r"the scenario is (?P<n>[\d,]+) characters, more than the (?P<m>[\d,]+) \(10 MB\) a "
     r"scenario file may have", "シナリオが {n} 文字あり、シナリオファイルの上限 {m}（10 MB）を"
     "超えています"),
    (r"it grew past (?P<n>[\d,]+) bytes \(10 MB\) while being read",
     "読み込み中に {n} バイト（10 MB）を超えました"),
    (r"anchors and aliases \(here (?P<a>.+?)\) are not supported in scenario files: write the "
     r"values out", "シナリオファイルではアンカーとエイリアス（ここでは {a}）は使えません。"
     "値をそのまま書いてください"),
    (r"merge keys \(<<\) are not supported in scenario files: write the keys out",
     "マージキー（<<）は使えません。キーをそのまま書いてください"),
    (r"the YAML tag '(?P<t>.+?)' is not supported: a scenario holds plain mappings, lists, "
     r"text, numbers, booleans and dates", "YAML タグ '{t}' は使えません。シナリオに書けるのは"
     "マッピング、リスト、文字列、数値、真偽値、日付だけです"),
    (r"nested more than (?P<n>\d+) levels deep \(mappings and lists\); a scenario needs far "
     r"fewer", "入れ子（マッピングとリスト）が {n} 段を超えています。シナリオにはずっと浅い"
     "構造で足ります"),
    (r"a key must be a plain value, not a mapping or a list",
     "キーにはマッピングやリストではなく単純な値を使ってください"),
    (r"expected the start of a document", "YAML 文書の始まりが見つかりません"),
    (r"unexpected YAML event (?P<e>\w+)", "想定外の YAML 要素（{e}）があります"),
    (r"YAML syntax error: expected a single document in the stream but found another "
     r"document", "YAML の構文エラー: 文書は1つだけにしてください（2つ目の文書があります）"),
    (r"YAML syntax error: (?P<r>.+)", lambda m: f"YAML の構文エラー: {_yaml_reason(m['r'])}"),
    (r"YAML error: (?P<r>.+)", lambda m: f"YAML のエラー: {_yaml_reason(m['r'])}"),
    (r"duplicate key \(first given on line (?P<n>\d+)\)",
     "キーが重複しています（最初は {n} 行目）"),
    # the waterfall's own validator
    (r"unknown waterfall '(?P<w>.+?)': use (?P<s>.+?), or a list of steps \((?P<steps>[^)]+)\)",
     lambda m: f"不明な支払優先順位 '{m['w']}' です。{_choices(m['s'])} か、手順のリスト"
     f"（{_choices(m['steps'])}）を指定してください"),
    (r"step (?P<i>\d+) \('(?P<s>.+?)'\) is not a waterfall step: use (?P<steps>.+)",
     lambda m: f"手順 {m['i']}（'{m['s']}'）は支払優先順位の手順ではありません。"
     f"{_choices(m['steps'])} から選んでください"),
    # cross-checks: vehicles
    (r"tranche sizes must sum to 1 \(they sum to (?P<v>\S+)\)",
     "トランシェの比率の合計は 1 にしてください（いまの合計は {v}）"),
    (r"duplicate tranche name '(?P<n>.+?)'", "トランシェ名 '{n}' が重複しています"),
    (r"duplicate segment name '(?P<n>.+?)'", "セグメント名 '{n}' が重複しています"),
    (r"provider '(?P<p>.+?)' is not declared in `providers`",
     "資金提供者 '{p}' が `providers` に定義されていません"),
    (r"a grant is not repaid, so its coupon must be 0",
     "助成は返済されないため、クーポンは 0 にしてください"),
    (r"guarantee covers tranche '(?P<t>.+?)', which does not exist \(tranches: (?P<ts>.*)\)",
     lambda m: f"保証の対象のトランシェ '{m['t']}' がありません（トランシェ: {_choices(m['ts'])}）"),
    (r"the two_level factor model needs engine: monte_carlo \(engine is (?P<e>\w+)\)",
     "2階層ファクターモデル（two_level）には engine: monte_carlo が必要です（いまは {e}）"),
    (r"two_level needs issue_correlation", "two_level には issue_correlation が必要です"),
    (r"issue_correlation \(=(?P<a>\S+)\) must be >= correlation \(=(?P<b>\S+)\)",
     "issue_correlation（={a}）は correlation（={b}）以上にしてください"),
    (r"issue_correlation is only used with factor_model: two_level",
     "issue_correlation は factor_model: two_level のときだけ使います"),
    (r"payment_frequency \(=(?P<f>\S+)\) does not divide horizon_years \(=(?P<h>\S+)\) into "
     r"whole periods \((?P<p>\S+) periods\)",
     "payment_frequency（={f}）では horizon_years（={h}）を整数の期数に分けられません"
     "（{p} 期）"),
    (r"recovery_lag_years \(=(?P<r>\S+)\) is beyond the horizon \(horizon_years=(?P<h>\S+)\)",
     "recovery_lag_years（={r}）が期間（horizon_years={h}）を超えています"),
    (r"paths \(=(?P<p>[\d,]+)\) x periods \(=(?P<n>[\d,]+)\) = (?P<w>[\d,]+) is more than the "
     r"cash-flow engine runs \((?P<m>[\d,]+)\); lower paths or payment_frequency",
     "paths（={p}）× 期数（={n}）= {w} は、キャッシュフロー計算の上限（{m}）を超えています。"
     "paths か payment_frequency を下げてください"),
    (r"a second residual holder: tranche '(?P<t>.+?)' already takes the residual",
     "残余の受取人が2つあります。トランシェ '{t}' がすでに残余を受け取ります"),
    (r"a grant cannot hold the residual", "助成は残余の受取人になれません"),
    (r"`residual: true` is for the notes waterfall; a fund splits its residual pro rata among "
     r"the private tranches", "`residual: true` は notes の支払優先順位用です。ファンド（fund）"
     "では残余を民間のトランシェに按分します"),
    (r"a grant is never repaid, so it absorbs losses first: list it below every repaid "
     r"tranche", "助成は返済されないため最初に損失を負います。返済されるどのトランシェよりも"
     "下（先）に並べてください"),
    (r"the vehicle charges fees \(guarantee fees or management_fee\) but the waterfall has no "
     r"`fees` step", "ビークルに手数料（保証料または management_fee）がありますが、支払優先順位"
     "に `fees` の手順がありません"),
    (r"a residual holder needs a `residual` step in the waterfall",
     "残余の受取人には支払優先順位の `residual` の手順が必要です"),
    (r"step '(?P<s>.+?)' appears twice", "手順 '{s}' が2回あります"),
    (r"the waterfall must pay `coupons`", "支払優先順位には `coupons` が必要です"),
    (r"the waterfall must repay `principal` or `capital`",
     "支払優先順位には `principal` か `capital` が必要です"),
    (r"the last step must be `residual` or `residual_pro_rata` \(the rest of the money\)",
     "最後の手順は `residual` か `residual_pro_rata`（残りの資金）にしてください"),
    (r"use one of `residual` and `residual_pro_rata`, not both",
     "`residual` と `residual_pro_rata` はどちらか一方だけにしてください"),
    # cross-checks: the bundle
    (r"path has (?P<n>\d+) value\(s\) but the simulation runs (?P<y>\d+) years: give one Z_t "
     r"per year", "path の値が {n} 個ですが、シミュレーションは {y} 年です。"
     "1年に1つの Z_t を指定してください"),
    (r"an accelerator gives non-financial support only",
     "アクセラレーターは非金融の支援だけを行います（資金手法は指定できません）"),
    (r"ticket min \(=(?P<a>\S+)\) is above max \(=(?P<b>\S+)\)",
     "ticket の最小額（={a}）が最大額（={b}）を上回っています"),
    (r"a provider either gives grants or lends/invests, not both: split it into two providers "
     r"\(one with instruments: \[grant\]\)", "資金提供者は助成か投融資のどちらか一方です。"
     "2つの提供者に分けてください（一方は instruments: [grant]）"),
    (r"a provider with lending instruments needs annual_budget > 0",
     "投融資の手法を持つ資金提供者には 0 より大きい annual_budget が必要です"),
    (r"a bundle needs both `pipeline` and `simulation` \((?P<m>\w+) is missing\)",
     "束には `pipeline` と `simulation` の両方が必要です（{m} がありません）"),
    (r"p90 \(=(?P<a>\S+)\) must be >= median \(=(?P<b>\S+)\)",
     "p90（={a}）は中央値（={b}）以上にしてください"),
    (r"p90 \(=(?P<a>\S+)\) is more than (?P<k>[\d,]+) x the median \(=(?P<b>\S+)\): needs "
     r"that spread cannot be drawn", "p90（={a}）が中央値（={b}）の {k} 倍を超えています。"
     "これほどばらつく資金需要は扱えません"),
    (r"firms arrive at one of (?P<s>.+)",
     lambda m: f"企業が新たに入る段階は {_choices(m['s'])} のいずれかです"),
    (r"firms arriving at (?P<a>\w+) need terms for stage (?P<b>\w+)",
     "{a} で入る企業のために、成長段階 {b} の条件が必要です"),
    (r"arrivals must be >= 0", "新規企業数は 0 以上にしてください"),
    (r"arrivals must be at most (?P<n>[\d,]+) firms a year",
     "新規企業数は年 {n} 社以下にしてください"),
    (r"duplicate facility id '(?P<i>.+?)'", "ファシリティID '{i}' が重複しています"),
    (r"a (?P<k>\w+) facility needs `(?P<f>\w+)`", "{k} のファシリティには `{f}` が必要です"),
    (r"year (?P<y>\d+) is after the last simulated year \((?P<n>\d+)\)",
     "{y} 年目はシミュレーションの最終年（{n} 年目）より後です"),
    (r"duplicate provider id '(?P<i>.+?)'", "資金提供者ID '{i}' が重複しています"),
    (r"duplicate vehicle id '(?P<i>.+?)'", "ビークルID '{i}' が重複しています"),
    # cross-checks: impact
    (r"scale must be > 0", "1単位の大きさは 0 より大きくしてください"),
    (r"scale must be at least (?P<v>\S+)", "1単位の大きさは {v} 以上にしてください"),
    (r"scale must be at most (?P<v>\S+)", "1単位の大きさは {v} 以下にしてください"),
    (r"indicator '(?P<i>.+?)' is in '(?P<a>.+?)' in the catalogue, not '(?P<b>.+?)'",
     "指標 '{i}' の単位はカタログでは '{a}' です（'{b}' ではありません）"),
    (r"duplicate indicator id '(?P<i>.+?)'", "指標ID '{i}' が重複しています"),
    (r"unknown indicator '(?P<i>.+?)' \(not in the catalogue or `indicators`\)",
     "不明な指標 '{i}' です（カタログにも `indicators` にもありません）"),
    (r"a logic model or portfolio needs `region` with its core_issue",
     "ロジックモデルやポートフォリオには、コア課題（core_issue）を含む `region` が必要です"),
    (r"duplicate node id '(?P<i>.+?)'", "ノードID '{i}' が重複しています"),
    (r"the logic model needs a node with level: impact",
     "ロジックモデルには level: impact のノードが必要です"),
    (r"indicator '(?P<i>.+?)' is listed twice in this node",
     "指標 '{i}' がこのノードに2回あります"),
    (r"scale given for '(?P<i>.+?)', which is not one of this node's indicators",
     "'{i}' の scale が指定されていますが、このノードの指標ではありません"),
    (r"unknown node '(?P<i>.+?)'", "不明なノード '{i}' です"),
    (r"duplicate link from '(?P<a>.+?)' to '(?P<b>.+?)'",
     "'{a}' から '{b}' へのリンクが重複しています"),
    (r"the logic model has a cycle: (?P<c>.+)", "ロジックモデルが循環しています: {c}"),
    (r"weight must be in \[0, 1\]", "重みは 0 以上 1 以下にしてください"),
    (r"duplicate KPI indicator '(?P<i>.+?)' \(one KPI per indicator\)",
     "KPI の指標 '{i}' が重複しています（1つの指標に KPI は1つ）"),
    (r"target \(=(?P<t>\S+)\) must equal the baseline \(=(?P<b>\S+)\) or be at least "
     r"(?P<m>\S+) from it \(target - baseline is one unit of progress\)",
     "目標値（={t}）は基準値（={b}）と等しいか、{m} 以上離してください"
     "（目標値 − 基準値が進捗の1単位です）"),
    (r"'(?P<i>.+?)' is measured in '(?P<a>.+?)', not '(?P<b>.+?)'",
     "'{i}' の単位は '{a}' です（'{b}' ではありません）"),
    (r"a portfolio draws its candidates from `pipeline`, which is missing",
     "ポートフォリオは `pipeline` から候補企業を選びますが、`pipeline` がありません"),
    (r"a portfolio draws its candidates from the pipeline's arrivals: at least one rate must "
     r"be above 0", "ポートフォリオはパイプラインの新規企業から候補を選びます。"
     "少なくとも1つの新規企業数を 0 より大きくしてください"),
    (r"a portfolio is judged against `logic_model`, which is missing",
     "ポートフォリオは `logic_model` に照らして評価しますが、`logic_model` がありません"),
    (r"duplicate support option id '(?P<i>.+?)'", "非金融支援の選択肢ID '{i}' が重複しています"),
    (r"share must be in \[0, 1\]", "割合は 0 以上 1 以下にしてください"),
    # sweeps and dotted paths
    (r"(?P<w>.+?) has no key '(?P<k>.+?)' \(keys: (?P<ks>.*)\)",
     lambda m: f"{'シナリオ' if m['w'] == 'the scenario' else m['w']} にキー '{m['k']}' は"
     f"ありません（キー: {_choices(m['ks'])}）"),
    (r"no item '(?P<i>.+?)' in (?P<w>.*?) \(items: (?P<its>.*)\)",
     lambda m: f"{m['w']} に項目 '{m['i']}' はありません（項目: {_choices(m['its'])}）"),
    (r"(?P<w>.*) is a value, not a section", "{w} は値です（セクションではありません）"),
    (r"(?P<w>.+) is a section, not a value", "{w} はセクションです（値ではありません）"),
    (r"give at least one value", "値を1つ以上指定してください"),
    (r"give \[low, high\] with low <= high", "[下限, 上限]（下限 <= 上限）で指定してください"),
    (r"ranges need design: random or latin_hypercube",
     "ranges には design: random か latin_hypercube が必要です"),
    (r"design (?P<d>\w+) needs `ranges` and `count`",
     "design {d} には `ranges` と `count` が必要です"),
    (r"run (?P<i>\d+) \((?P<p>.*?)\) is invalid: (?P<path>[^:]+): (?P<rest>.+)",
     lambda m: f"実行 {m['i']}（{m['p']}）は無効です: {m['path']}: "
     f"{translate(m['rest']) or m['rest']}"),
    # the cost limits
    (r"this run needs about (?P<amount>.+?) of (?P<what>.+?) \((?P<detail>.+)\), more than "
     r"the limit of (?P<limit>.+?)(?P<hint>; lower it, or run with --allow-large|; lower "
     r"it|)", _cost),
    # the app's own refusals
    (r"first loss (?P<v>\S+) leaves nothing for the top tranche",
     "ファーストロス {v} では最上位のトランシェに何も残りません"),
    (r"(?P<f>.+?): (?P<s>[\d.]+) MB is more than a scenario file may be here \((?P<m>\d+) MB\)",
     "{f}: {s} MB は、ここで扱えるシナリオファイルの上限（{m} MB）を超えています"),
    (r"(?P<f>.+?): not a UTF-8 text file \(.*\)",
     "{f}: UTF-8 のテキストファイルではありません"),
]

_COMPILED: list[tuple[re.Pattern[str], Any]] = [(re.compile(p, re.DOTALL), t) for p, t in RULES]
_GOT = re.compile(r"^(?P<body>.*?) \(got (?P<got>.*)\)$", re.DOTALL)
_HINT = re.compile(r"^(?P<body>.*?); (?:did you mean '(?P<close>.+?)'\?|allowed keys: "
                   r"(?P<keys>.*))$", re.DOTALL)
_URL = re.compile(r"\s*(?:For further information visit )?https://errors\.pydantic\.dev\S*")


def _match(message: str) -> str | None:
    for pattern, template in _COMPILED:
        found = pattern.fullmatch(message)
        if found:
            return template(found) if callable(template) else template.format(
                **found.groupdict())
    return None


def translate(message: str) -> str | None:
    """``message`` (one of the format's English messages) in Japanese; None when it is not
    a known form. A trailing ``(got X)`` becomes ``（入力値: X）`` and a "did you mean"
    hint is translated too; pydantic's help URL is never kept."""
    message = _URL.sub("", message).strip()
    found = _match(message)
    if found is not None:
        return found
    got = _GOT.match(message)
    if got:
        body = _match(got["body"]) or (translate(got["body"]) if _HINT.match(got["body"])
                                       else None)
        return None if body is None else f"{body}（入力値: {got['got']}）"
    hint = _HINT.match(message)
    if hint:
        body = _match(hint["body"])
        if body is None:
            return None
        if hint["close"]:
            return f"{body}。'{hint['close']}' の誤りではありませんか？"
        return f"{body}。使えるキー: {_choices(hint['keys'])}"
    return None


def message_in(message: str, lang: str) -> str:
    """A validation message in ``lang`` (the English one when no translation is known;
    pydantic's help URL removed either way)."""
    if lang != "ja":
        return _URL.sub("", message).strip()
    return translate(message) or _URL.sub("", message).strip()


def where_in(problem: Problem, lang: str) -> str:
    """Where a problem is: ``file:line`` (``file 12行目`` in Japanese) and the field path,
    with the field's Japanese name in Japanese."""
    path = format_path(problem.path)
    if lang != "ja":
        where = f"{problem.file}:{problem.line}" if problem.line is not None else problem.file
        return f"{where}: {path}"
    where = f"{problem.file} {problem.line}行目" if problem.line is not None else problem.file
    name = field_name_ja(problem.path)
    shown = "（全体）" if not problem.path else path + (f"（{name}）" if name else "")
    return f"{where}: {shown}"


def problem_in(problem: Problem, lang: str) -> str:
    """One problem as the reader sees it: where (file, line, field) and what, in ``lang``
    (English: exactly ``str(problem)``)."""
    if lang != "ja":
        return str(problem)
    return f"{where_in(problem, lang)}: {message_in(problem.message, lang)}"


def problems_in(error: ScenarioError | Iterable[Problem], lang: str) -> list[str]:
    """Every problem of a :class:`ScenarioError` in ``lang``, one line each."""
    problems = error.problems if isinstance(error, ScenarioError) else tuple(error)
    return [problem_in(p, lang) for p in problems]


def error_in(error: ScenarioError, lang: str) -> str:
    """A :class:`ScenarioError` as text in ``lang`` (English: ``str(error)``)."""
    return "\n".join(problems_in(error, lang))
