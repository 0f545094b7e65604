"""Every table of a run as one Excel workbook: a sheet per table, headers in the reader's
language with the unit in the header, amounts in the scenario's unit.

The sheets hold the numbers of :meth:`finmodel.results.RunResults.tables` unchanged (rates
stay fractions, shown by Excel as percentages), so a workbook can be checked against the
tables, and against the CSV files ``finmodel run --out`` writes, cell by cell.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from finmodel.io import write_bytes_atomic
from finmodel.results import RunResults
from finmodel.ui.i18n import text, unit_label

#: Column -> kind and words. Kinds: ``m`` an amount (the scenario's unit), ``p`` a
#: fraction shown as a percentage, ``n`` a count, ``y`` years, ``x`` a number, ``t`` text.
_COLUMNS = """
amount|m|Amount|金額
attach|p|Attachment (share of pool)|下限（プール比）
attainment|p|Attainment against plan|計画達成率
baseline|x|Baseline|基準値
breakeven_pd_multiple|x|Break-even PD multiple|損益分岐のPD倍率
budget|m|Budget|予算
budget_used|m|Budget used|予算の使用額
cap|p|Guarantee cap|保証上限
cash|m|Expected cash|期待キャッシュフロー
cdf|p|Cumulative probability|累積確率
committed|m|Committed|コミット額
concessional_subsidy|m|Concessional subsidy|譲許による補助額
condition|t|Condition|条件
coordination_cost|m|Coordination cost|調整コスト
core|x|Impact on the core issue|コア課題へのインパクト
core_impact|x|Impact on the core issue|コア課題へのインパクト
core_issue|t|Chosen by the core-issue portfolio|コア課題起点で選定
coupon|p|Coupon|クーポン
covered_by_firms|t|Covered by firms|企業による対応
covers|t|Covers|保証対象
cumulative_pd|p|Cumulative PD|累積デフォルト確率
default_rate|p|Default rate|デフォルト率
demand|m|Demand (asked)|資金需要（申込額）
detach|p|Detachment (share of pool)|上限（プール比）
direct_gap|m|Direct gap|直接ギャップ
discount_rate|p|Discount rate|割引率
discouraged|n|Discouraged firms|断念した企業
engine|t|Engine|計算エンジン
es_99|m|Expected shortfall 99%|期待ショートフォール99%
expected_cash|m|Expected cash|期待キャッシュフロー
expected_loss|m|Expected loss|期待損失
expected_loss_pct|p|Expected loss (of notional)|期待損失率（元本比）
expected_loss_rate|p|Expected loss rate|期待損失率
expected_payment|m|Expected payment|期待支払額
expected_return|p|Expected return (IRR)|期待リターン（IRR）
exposure|m|Pool exposure|プール残高
facilities|t|Facilities|ファシリティ
facility|t|Facility|ファシリティ
facility_spending|m|Facility spending|ファシリティの支出
factor|x|Regional factor Z_t (s.d.)|地域の景気要因 Z_t（σ）
fees|m|Fees|手数料
firm_by_firm|t|Chosen firm by firm|個社別で選定
firms|n|Firms|企業数
firms_lost|n|Firms lost|失われた企業数
firms_potential|n|Firms (potential)|企業数（潜在）
firms_reached|n|Firms reached|到達した企業数
firms_supported|n|Firms supported|支援した企業数
from_stage|t|From stage|元の成長段階
funded_next|n|Funded at the next stage|次段階で資金を得た企業数
gap_share|p|Total gap (share of potential demand)|資金ギャップ総額（潜在資金需要比）
gap_to_target|x|Gap to target|目標までの差
graduates|n|Graduates|卒業企業数
graduates_lost|n|Graduates lost|失われた卒業企業数
graduates_potential|n|Graduates (potential)|卒業企業数（潜在）
granted|m|Granted|助成額
grants|m|Grants|助成金
gross_expected_loss|m|Expected loss before guarantees|保証前の期待損失
guarantee_fees|m|Guarantee fees|保証料
guarantee_multiplier|x|Guarantee multiplier|保証の乗数
guarantee_paid|m|Guarantee paid|保証の支払額
guarantee_received|m|Guarantee received|保証の受取額
guarantor_expected_loss|m|Guarantor's expected loss|保証者の期待損失
hhi_firm|x|Concentration by firm (HHI)|企業別集中度（HHI）
hhi_issue|x|Concentration by issue (HHI)|課題別集中度（HHI）
holder|t|Holder|保有者
holder_type|t|Holder type|保有者の種類
hole|t|Hole (nobody lends)|空白（提供者なし）
horizon_years|y|Horizon|期間
hurdle_return|p|Hurdle|ハードルレート
impact|x|Impact|インパクト
impact_per_money|x|Impact per unit of money|資金あたりのインパクト
impact_per_public_money|x|Impact per unit of public money|公的資金あたりのインパクト
indicator|t|Indicator|指標
indicators|t|Indicators|指標
interest|m|Interest|利息
irr|p|IRR|IRR
irr_mean|p|IRR, mean|IRR（平均）
issue|t|Issue|課題
kind|t|Kind|種類
kpi|t|KPI|KPI
lent|m|Lent|融資額
level|t|Level|段階
loans|n|Loans|貸出件数
loss|m|Loss|損失
loss_cured|m|Write-downs cured|減額の回復
loss_p99|m|Loss P99|損失（P99）
loss_p999|m|Loss P99.9|損失（P99.9）
loss_written_down|m|Loss written down|減額された損失
losses|m|Losses|損失額
lost_pipeline|m|Lost pipeline|失われたパイプライン
management_fees|m|Management fees|管理報酬
market_coupon|p|Market coupon|市場クーポン
max_expected_loss|p|Expected-loss limit|期待損失の上限
max_payout|m|Maximum payout|最大支払額
measure|t|Measure|指標
method|t|Finance method|資金手法
mip_gap|p|Solver gap|ソルバーのギャップ
mobilisation_ratio|x|Mobilisation ratio|民間資金動員倍率
money|m|Money|資金
multiplier|x|Multiplier|乗数
n_providers|n|Providers|提供者数
name_en|t|Name (English)|名称（英語）
name_ja|t|Name (Japanese)|名称（日本語）
node|t|Node|ノード
notional|m|Notional|元本
npv|m|NPV|正味現在価値
on_track|t|On track|順調
origin|t|From|資金の出し手
origin_kind|t|Kind of origin|出し手の種類
overlap|t|Overlap|重複
overlapping_instruments|t|Overlapping instruments|重複する手段
own_impact|x|Own impact|個社のインパクト
paid|m|Paid|支払額
partly_served|n|Partly served rounds|一部充足のラウンド
paths|n|Simulated paths|シミュレーション経路数
pd_horizon|p|PD over the horizon|期間中のデフォルト確率
pending|n|Pending rounds|保留中のラウンド
period|n|Period|期
periods|n|Periods|期数
plan|x|Plan|計画
pool_expected_loss|m|Pool expected loss|プールの期待損失
portfolio|t|Portfolio|ポートフォリオ
potential_demand|m|Potential demand|潜在資金需要
principal|m|Principal|元本の返済
private_mobilised|m|Private money mobilised|動員された民間資金
private_money|m|Private money|民間資金
prob_called|p|Probability called|保証履行の確率
prob_hurdle_met|p|P(IRR ≥ hurdle)|IRRがハードルレート以上となる確率
prob_loss|p|Probability of loss|損失発生確率
probability|p|Probability|確率
provider|t|Provider|資金提供者
providers|t|Providers|資金提供者
public_and_concessional_money|m|Public and concessional money|公的・譲許的資金
public_cost_forgone_return|m|Public cost: forgone return|公的コスト：放棄したリターン
public_cost_guarantees|m|Public cost: guarantees|公的コスト：保証
public_cost_losses|m|Public cost: losses|公的コスト：損失
public_expected_cost|m|Public expected cost|公的資金の期待コスト
public_money|m|Public money|公的資金
pv_fees|m|Fees (PV)|手数料（現在価値）
pv_loss|m|Loss (PV)|損失（現在価値）
pv_payment|m|Payment (PV)|支払額（現在価値）
rate|p|Rate|率
reached|t|Reached|到達
recoveries|m|Recoveries|回収額
region|t|Region|地域
rejected|n|Rejected asks|却下された申込
repaid|m|Repaid|返済額
replications|n|Replications|試行回数
residual|m|Residual|残余配分
residual_holder|t|Residual holder|残余の受取人
retained|m|Retained|留保額
rounds|n|Rounds|ラウンド数
sector|t|Sector|部門
served|n|Served rounds|充足したラウンド
share_funded|p|Share funded at the next stage|次段階で資金を得た割合
spillover_impact|x|Spill-over impact|波及インパクト
stage|t|Stage|成長段階
status|t|Status|状態
subsidy|m|Subsidy given (PV)|譲許による移転（現在価値）
subsidy_to_private|m|Subsidy to private investors (PV)|民間投資家への移転（現在価値）
supplied|m|Supplied|供給額
support|t|Support|支援
support_available|t|Support available|利用可能な支援
support_chosen|t|Support chosen|選ばれた支援
support_cost|m|Support cost|支援コスト
target|x|Target|目標
target_year|n|Target year|目標年
time_years|y|Time|時点
to_stage|t|To stage|次の成長段階
total_cost|m|Total cost|総コスト
total_gap|m|Total funding gap|資金ギャップ総額
tranche|t|Tranche|トランシェ
trend|t|Trend|傾向
type|t|Type|種類
unit|t|Unit|単位
value|x|Value|実績
var_99|m|VaR 99%|VaR 99%
vehicle|t|Vehicle|ビークル
vehicle_residual|m|Left in the vehicle|ビークルの残額
wal_years|y|Weighted average life|加重平均残存期間
weight|x|Weight|ウェイト
year|n|Year|年
years|n|Years|年数
yoy_change|x|Change on the year|前年比の変化
yoy_pct|p|Change on the year (%)|前年比の変化率
"""

COLUMNS: dict[str, tuple[str, str, str]] = {
    name: (kind, en, ja) for name, kind, en, ja in
    (line.split("|") for line in _COLUMNS.strip().splitlines())}

#: Sheet names (at most 31 characters in Excel) by table, in the reader's language.
SHEETS: dict[str, tuple[str, str]] = {
    "tranches": ("Tranches", "トランシェ"), "vehicles": ("Vehicles", "ビークル"),
    "guarantees": ("Guarantees", "保証"), "cashflows": ("Cash flows", "キャッシュフロー"),
    "one_period": ("One period", "一期間モデル"),
    "loss_distribution": ("Loss distribution", "損失分布"),
    "gaps": ("Gaps", "資金ギャップ"), "handoffs": ("Handoffs", "引き継ぎ"),
    "providers": ("Providers", "資金提供者"), "facilities": ("Facilities", "ファシリティ"),
    "coverage": ("Coverage", "カバレッジ"), "bundle_summary": ("Bundle summary", "束の要約"),
    "flows": ("Flows", "資金の流れ"), "gap_years": ("Gap by year", "年別の資金ギャップ"),
    "portfolios": ("Portfolios", "ポートフォリオ"), "case_map": ("Case map", "ケースマップ"),
    "portfolio_stages": ("Portfolio stages", "成長段階別"), "impact": ("Impact", "インパクト"),
    "spillover": ("Spill-over", "波及効果"), "frontier": ("Frontier", "フロンティア"),
    "kpis": ("KPIs", "KPI"), "collective_impact": ("Collective impact", "コレクティブインパクト"),
    "logic_holes": ("Logic-model holes", "ロジックモデルの空白"),
    "candidates": ("Candidates", "候補企業"),
}

_BAND = re.compile(r"^(.*)_(p10|p50|p90|p99|p999|se)$")
_BAND_WORDS = {"p10": ("P10", "P10"), "p50": ("P50", "中央値"), "p90": ("P90", "P90"),
               "p99": ("P99", "P99"), "p999": ("P99.9", "P99.9"),
               "se": ("standard error", "標準誤差")}


def column_kind(column: str) -> str:
    """A column's kind (see :data:`COLUMNS`); a band or standard error has its base's."""
    if column in COLUMNS:
        return COLUMNS[column][0]
    band = _BAND.match(column)
    if band and band.group(1) in COLUMNS:
        return COLUMNS[band.group(1)][0]
    return "x"


def _unit_words(kind: str, unit: str, lang: str) -> str:
    if kind == "m":
        return unit_label(unit, lang)
    if kind == "p":
        return "%"
    if kind == "y":
        return "年" if lang == "ja" else "years"
    return ""


def column_header(column: str, unit: str, lang: str) -> str:
    """A column's header in ``lang`` with its unit: ``期待損失（百万円）``,
    ``Expected loss (¥ million)``; an unknown column keeps its name."""
    ja = lang == "ja"
    band = _BAND.match(column) if column not in COLUMNS else None
    base = band.group(1) if band and band.group(1) in COLUMNS else column
    kind, en, ja_words = COLUMNS.get(base, ("x", column, column))
    words = ja_words if ja else en
    parts = []
    if band and base != column:
        parts.append(_BAND_WORDS[band.group(2)][1 if ja else 0])
    unit_words = _unit_words(kind, unit, lang)
    if unit_words:
        parts.append(unit_words)
    if not parts:
        return words
    inner = "・".join(parts) if ja else ", ".join(parts)
    return f"{words}（{inner}）" if ja else f"{words} ({inner})"


def sheet_name(table: str, lang: str) -> str:
    """A table's sheet name in ``lang`` (Excel allows 31 characters)."""
    en, ja = SHEETS.get(table, (table, table))
    return (ja if lang == "ja" else en)[:31]


def _cell(value: Any) -> Any:
    """A value Excel can hold: NaN and None as empty cells, numpy scalars as Python,
    lists as text."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, (list, tuple, set, dict)):
        return str(value)
    return value


NUMBER_FORMATS = {"m": "#,##0.0###", "p": "0.00%", "n": "#,##0", "y": "0.00", "x": "General",
                  "t": "General"}


def tables_workbook(results: RunResults, lang: str) -> bytes:
    """The run's tables as an .xlsx file (bytes): a sheet per table, in the order of
    :meth:`RunResults.tables`, a header row in ``lang`` with units, then the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    unit = results.scenario.unit
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table, data in results.tables().items():
        name = sheet_name(table, lang)
        while name in used:  # pragma: no cover - the names are distinct
            name = name[:29] + "_2"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([column_header(c, unit, lang) for c in data.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="2166AC")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in data.itertuples(index=False, name=None):
            sheet.append([_cell(v) for v in row])
        for k, column in enumerate(data.columns, start=1):
            letter = get_column_letter(k)
            fmt = NUMBER_FORMATS[column_kind(column)]
            if fmt != "General" and pd.api.types.is_numeric_dtype(data[column]):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                    cell.number_format = fmt
            sheet.column_dimensions[letter].width = min(
                max(12, len(str(sheet.cell(1, k).value)) * (2 if lang == "ja" else 1) // 2 + 4), 40)
        sheet.freeze_panes = "A2"
    book.properties.title = f"{results.scenario.name}: {text('pap_xlsx_card', lang)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_workbook(results: RunResults, lang: str, path: Path) -> Path:
    """Write the run's tables as an .xlsx file, atomically."""
    return write_bytes_atomic(tables_workbook(results, lang), path)
