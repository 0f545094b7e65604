"""Every word the app and its exports show, in English and Japanese, and amount formats.

Labels are looked up by key with :func:`text`; domain words (stages, issues, tranche
kinds) come from the same table so a chart, a form and a board paper say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from finmodel.vocabulary import WORDS

LANGS = ("en", "ja")

TEXT: dict[str, tuple[str, str]] = {
    # app chrome
    "app_title": ("finmodel: regional impact finance", "finmodel：地域インパクトファイナンス"),
    "language": ("Language", "言語"),
    "page_scenario": ("Scenario", "シナリオ"),
    "page_stack": ("Capital stack", "資本構成"),
    "page_bundle": ("Bundle and gaps", "束と資金ギャップ"),
    "page_portfolio": ("Portfolios and impact", "ポートフォリオとインパクト"),
    "page_compare": ("Compare", "比較"),
    "page_export": ("Export", "出力"),
    "shipped": ("Shipped scenario", "同梱シナリオ"),
    "upload": ("Drop or choose a scenario YAML file", "シナリオのYAMLファイルをドロップまたは選択"),
    "download_yaml": ("Download scenario as YAML", "シナリオをYAMLでダウンロード"),
    "apply": ("Apply changes", "変更を適用"),
    "run": ("Run", "実行"),
    "cancel": ("Cancel", "キャンセル"),
    "loaded": ("Loaded", "読み込み済み"),
    "invalid": ("The scenario was not changed:", "シナリオは変更されていません："),
    "busy": ("The server is busy with other runs ({n} at a time); try again in a moment.",
             "サーバーは他の計算を実行中です（同時に{n}件まで）。しばらくしてから再実行してください。"),
    "no_vehicle": ("This scenario has no capital stack.", "このシナリオには資本構成がありません。"),
    "no_bundle": ("This scenario has no bundle (pipeline and simulation).",
                  "このシナリオには束（パイプラインとシミュレーション）がありません。"),
    "no_portfolio": ("This scenario has no portfolio brief.",
                     "このシナリオにはポートフォリオの設定がありません。"),
    "vehicle": ("Vehicle", "ビークル"),
    "first_loss_size": ("First-loss size", "ファーストロスの比率"),
    "guarantee_rate": ("Guarantee rate", "保証率"),
    "guarantee_cap": ("Guarantee cap", "保証上限"),
    "concessional_coupon": ("Concessional coupon", "譲許的クーポン"),
    "senior_target": ("Senior target: max expected loss", "シニアの目標：期待損失の上限"),
    "smallest_first_loss": ("Smallest first loss meeting the senior target",
                            "シニアの目標を満たす最小のファーストロス"),
    "not_achievable": ("not achievable", "達成不可"),
    "find": ("Find", "計算"),
    "computing": ("Computing…", "計算中…"),
    "design_for": ("at the sliders' coupon and guarantee; the first-loss slider does not "
                   "change it", "スライダーのクーポンと保証の条件で計算（ファーストロスの"
                   "スライダーには依存しません）"),
    "providers": ("Providers", "資金提供者"),
    "facilities": ("Facilities", "ファシリティ"),
    "tranches": ("Tranches", "トランシェ"),
    "arrivals": ("Pipeline arrivals (firms a year)", "パイプラインの新規企業数（年）"),
    "designer": ("Gap-closing designer: share of the total gap to close, stage",
                 "ギャップ解消の設計：解消する資金ギャップ総額の割合と成長段階"),
    "all_stages": ("All stages", "全成長段階"),
    "design_note": ("Each change is tuned on {tuning} replications and checked on {validation} "
                    "fresh ones. It holds when the lower {confidence} bound of the share it "
                    "closes on the fresh replications meets the target; designs that hold come "
                    "first, cheapest first.",
                    "各案は{tuning}回の試行で調整し、別の{validation}回の試行で検証します。"
                    "検証で解消した割合の下側{confidence}信頼限界が目標以上なら「達成」です。"
                    "達成する案を先に、公的コストの低い順に並べています。"),
    "col_design": ("Design", "設計案"),
    "col_setting": ("Setting (now → designed)", "設定（現状 → 設計）"),
    "col_tuning": ("Share closed, tuning", "解消した割合（調整用の試行）"),
    "col_validation": ("Share closed, validation ± SE", "解消した割合（検証用の試行）± 標準誤差"),
    "col_lower": ("Lower bound ({confidence})", "下側信頼限界（{confidence}）"),
    "col_holds": ("Holds at {confidence}", "目標達成（信頼度{confidence}）"),
    "col_added_cost": ("Added public cost", "公的コストの増加分"),
    "holds_yes": ("✓ holds", "✓ 達成"),
    "holds_no": ("✕ misses", "✕ 未達"),
    "holds_out_of_reach": ("✕ out of reach", "✕ 上限でも未達"),
    "apply_design": ("Apply the selected design", "選んだ設計案を適用"),
    "design_no_gap": ("There is no gap to close here: no firm asks for money at this stage "
                      "in the simulation.", "ここには解消すべき資金ギャップがありません（この成長段階で"
                      "資金を求める企業がシミュレーションにいません）。"),
    "design_none_holds": ("No design holds at this confidence: the closest are listed; choose "
                          "one to apply it anyway, or lower the share.",
                          "この信頼度で目標を満たす案はありません。近い案を並べています。"
                          "それでも適用する場合は選んでください。または割合を下げてください。"),
    "design_choose": ("Choose a design in the table first.", "先に表から設計案を選んでください。"),
    "design_stale": ("These designs were worked out for another scenario; run the designer "
                     "again.", "この設計案は別のシナリオに対するものです。設計をもう一度実行して"
                     "ください。"),
    "design_applied": ("Applied: {design}, {setting}. On the validation replications it closes "
                       "{share} (± {se}) of the gap: {holds}. The scenario now includes it on "
                       "every page (download it from the Scenario page); the simulation above "
                       "is re-run.",
                       "適用しました：{design}、{setting}。検証用の試行で資金ギャップの{share}"
                       "（± {se}）を解消します。判定：{holds}。変更後のシナリオはすべてのページで"
                       "使われます（シナリオのページからダウンロードできます）。上のシミュレーショ"
                       "ンを再実行します。"),
    "holds_at": ("{holds} at {confidence}", "{holds}（信頼度{confidence}）"),
    "compare_pick": ("Scenarios to compare", "比較するシナリオ"),
    "batch_folder": ("Or a batch results folder", "またはバッチ結果のフォルダ"),
    "chart": ("Chart", "図表"),
    "format": ("Format", "形式"),
    "download_chart": ("Download chart", "図表をダウンロード"),
    "board_paper": ("Board paper (PDF, A4)", "取締役会資料（PDF・A4）"),
    "download_paper": ("Download board paper", "取締役会資料をダウンロード"),
    "running": ("Running", "実行中"),
    # headline figures
    "expected_loss": ("Expected loss", "期待損失"),
    "pool_expected_loss": ("Pool expected loss", "プールの期待損失"),
    "expected_loss_pct": ("Expected loss (% of notional)", "期待損失率（元本比）"),
    "prob_loss": ("Probability of loss", "損失発生確率"),
    "expected_return": ("Expected return (IRR of the expected cash flows)",
                        "期待リターン（期待キャッシュフローのIRR）"),
    "mobilisation_ratio": ("Mobilisation ratio", "民間資金動員倍率"),
    "public_expected_cost": ("Public expected cost", "公的資金の期待コスト"),
    "public_cost_stack": ("Public cost, stacks (PV)", "公的コスト・資本構成(PV)"),
    "public_cost_bundle": ("Public cost, bundle (sum)", "公的コスト・バンドル(期間計)"),
    "public_expected_cost_pv": ("Public expected cost (PV)", "公的資金の期待コスト（現在価値）"),
    "irr": ("IRR (annual)", "IRR（内部収益率・年率）"),
    "irr_mean": ("IRR, mean", "IRR（平均）"),
    "irr_p10": ("IRR, P10 (bad case)", "IRR（P10・下振れ時）"),
    "irr_p50": ("IRR, median (P50)", "IRR（中央値・P50）"),
    "irr_band": ("IRR band P10 / P50 / P90 (mean)", "IRRの幅 P10／中央値／P90（平均）"),
    "irr_range": ("P10-P90 range", "P10〜P90の範囲"),
    "hurdle": ("Hurdle", "ハードルレート"),
    "coupon": ("Coupon", "クーポン"),
    "prob_hurdle_met": ("P(IRR ≥ hurdle)", "IRRがハードルレート以上となる確率"),
    "hurdle_met_short": ("P(≥ hurdle)", "ハードル達成確率"),
    "subsidy_to_private": ("Concession transferred to private investors (PV)",
                           "民間投資家への譲許の移転（現在価値）"),
    "subsidy_given": ("given up by the concessional tranche", "譲許的トランシェが放棄した額"),
    "pool_collections": ("Pool collections", "プールの回収額"),
    "guarantor_net": ("{holder}: guarantee fees less payments", "{holder}：保証料－保証履行額"),
    "manager_fees": ("Management fees", "管理報酬"),
    "vehicle_residual": ("Left in the vehicle at wind-up", "清算時にビークルに残る額"),
    "expected_cash": ("Expected cash", "期待キャッシュフロー"),
    "cf_coupons": ("Coupons", "利払い"),
    "cf_principal": ("Principal", "元本の返済"),
    "cf_cures": ("Write-downs cured", "減額の回復"),
    "cf_guarantee": ("Guarantee received", "保証の受取"),
    "cf_residual": ("Residual", "残余配分"),
    "private_mobilised": ("Private money mobilised", "動員された民間資金"),
    "gap": ("Funding gap", "資金ギャップ"),
    "total_gap": ("Total funding gap", "資金ギャップ総額"),
    "share_of_potential": ("{share} of potential demand", "潜在資金需要の{share}"),
    "direct_gap": ("Direct gap (asked, not funded)", "直接ギャップ（申込あり・未充足）"),
    "lost_pipeline": ("Lost pipeline (never asked: lost earlier for want of money)",
                      "失われたパイプライン（前の段階で資金不足により脱落し申込なし）"),
    "potential_demand": ("Potential demand", "潜在資金需要"),
    "demand": ("Demand", "資金需要"),
    "supplied": ("Supplied", "供給額"),
    "core_impact": ("Impact on the core issue", "コア課題へのインパクト"),
    "spillover_impact": ("Spill-over impact", "波及インパクト"),
    "money": ("Money", "資金"),
    "public_money": ("Public money", "公的資金"),
    "kpi_table": ("KPIs in the last year", "最終年のKPI"),
    "year": ("Year", "年"),
    "stage": ("Stage", "成長段階"),
    "issue": ("Issue", "課題"),
    "method": ("Finance method", "資金手法"),
    "probability": ("Probability", "確率"),
    "pool_loss": ("Pool loss", "プール損失"),
    "share_funded": ("Share funded at the next stage", "次段階で資金を得た割合"),
    "graduates": ("Graduates", "卒業企業数"),
    "graduates_lost": ("Lost at this break (firms, or exits)",
                       "この段階で失われた企業（またはエグジット）"),
    "firms_total": ("Firms (all years)", "企業数（全期間）"),
    "share_funded_note": ("% over a bar: share of the graduates funded at the next stage",
                          "棒の上の％：卒業企業のうち次の段階で資金を得た割合"),
    "legend_gap_band": ("Total gap, P10-P90", "資金ギャップ総額のP10〜P90"),
    "legend_total_gap": ("Total gap (mean)", "資金ギャップ総額（平均）"),
    "legend_direct_gap": ("Direct gap (asked, not funded)", "直接ギャップ（申込あり・未充足）"),
    "legend_potential": ("Potential demand (every round funded)",
                         "潜在資金需要（全ラウンドに資金）"),
    "legend_demand": ("Demand (asked)", "資金需要（申込額）"),
    "gap_definition": ("Total gap = potential demand − supplied = direct gap + lost pipeline",
                       "資金ギャップ総額＝潜在資金需要－供給額＝直接ギャップ＋失われたパイプライン"),
    "factor": ("Regional factor Z_t, P10-P90", "地域の景気要因 Z_t（P10〜P90）"),
    "factor_axis": ("Z_t (s.d.)", "Z_t（σ）"),
    "default_rate": ("Default rate (firms failing)", "デフォルト率（破綻企業の割合）"),
    "default_rate_axis": ("Default rate", "デフォルト率"),
    "credit_cycle": ("Credit cycle (Z_t below 0: a bad year)",
                     "信用サイクル（Z_t が0未満は景気の悪い年）"),
    "max_expected_loss": ("Expected-loss limit", "期待損失の上限"),
    "attainment": ("Attainment against plan", "計画達成率"),
    "target": ("Target", "目標"),
    "plan": ("Plan", "計画"),
    "value": ("Value", "実績"),
    "providers_count": ("Providers", "提供者数"),
    "hole": ("Hole (nobody lends)", "空白（提供者なし）"),
    "overlap": ("Overlap", "重複"),
    # chart titles
    "fig_stack": ("Capital stack, bottom (first loss) to top (senior)",
                  "資本構成：下（ファーストロス）から上（シニア）へ"),
    "fig_loss": ("Pool loss distribution with tranche boundaries",
                 "プール損失分布とトランシェの境界"),
    "fig_tranches": ("Tranche expected loss and return", "トランシェ別の期待損失とリターン"),
    "fig_cashflows": ("Expected cash flows by holder and year",
                      "保有者別・年別の期待キャッシュフロー"),
    "fig_irr": ("IRR by tranche: P10-P90 band, median and mean",
                "トランシェ別のIRR：P10〜P90の幅、中央値と平均"),
    "fig_gap_heatmap": ("Funding gap by stage and issue", "成長段階×課題別の資金ギャップ"),
    "fig_gap_years": ("Funding gap over the years (P10-P90)", "資金ギャップの推移（P10〜P90）"),
    "fig_gap_years_cycle": ("Funding gap and the credit cycle over the years",
                            "資金ギャップと信用サイクルの推移"),
    "fig_handoffs": ("Handoff chain: graduates and firms lost at each break",
                     "引き継ぎの連鎖：各段階の卒業企業と失われた企業"),
    "fig_sankey": ("Money from providers through facilities to stages and issues",
                   "提供者からファシリティを経て成長段階・課題へ流れる資金"),
    "fig_coverage": ("Coverage: providers per stage and issue", "カバレッジ：成長段階×課題ごとの提供者数"),
    "fig_frontier": ("Impact-risk frontier", "インパクト・リスクのフロンティア"),
    "fig_case_map": ("Case map: issue x finance method", "ケースマップ：課題×資金手法"),
    "fig_kpis": ("KPI dashboard: value against plan", "KPIダッシュボード：計画に対する実績"),
    "fig_logic": ("Logic model of the core issue", "コア課題のロジックモデル"),
    "fig_portfolios": ("Firm by firm vs core-issue driven", "個社別とコア課題起点の比較"),
    "fig_compare": ("Scenarios compared", "シナリオの比較"),
    "firm_by_firm": ("Firm by firm", "個社別"),
    "core_issue": ("Core-issue driven", "コア課題起点"),
    # board paper
    "paper_title": ("Board paper", "取締役会資料"),
    "assumptions": ("Key assumptions", "主な前提"),
    "headlines": ("Headline numbers", "主要な数値"),
    "continued": ("continued", "続き"),
    "illustrative": ("Illustrative numbers", "数値は例示です"),
    "seed": ("Seed", "乱数シード"),
    "unit": ("Unit", "単位"),
    "region": ("Region", "地域"),
    "horizon": ("Horizon (years)", "期間（年）"),
    "correlation": ("Asset correlation", "資産相関"),
    "exposure": ("Pool exposure", "プール残高"),
    "years": ("Simulated years", "シミュレーション年数"),
    "replications": ("Replications", "試行回数"),
    "economy": ("Credit cycle", "信用サイクル"),
    "economy_terms": ("correlation {rho:g}, persistence {persistence:g}",
                      "資産相関 {rho:g}、持続性 {persistence:g}"),
    "economy_rho": ("correlation {rho:g}", "資産相関 {rho:g}"),
    "economy_path": ("fixed path of Z_t: {path}", "Z_t の固定経路：{path}"),
    "budget": ("Budget", "予算"),
    "candidates": ("Candidate firms", "候補企業数"),
    # --- stack and portfolio pages ---
    # --- bundle and compare pages ---
    # --- charts ---
    # --- board paper and Excel ---
    # --- scenario page, workspace, validation messages ---
}

def text(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``ja``)."""
    en, ja = TEXT[key]
    return ja if lang == "ja" else en


def word(name: str, lang: str) -> str:
    """A domain word (stage, issue, tranche kind, instrument) in ``lang``; unknown ones as is."""
    pair = WORDS.get(name)
    if pair is None:
        return name.replace("_", " ")
    return pair[1] if lang == "ja" else pair[0]


#: The designer's levers in Japanese: what grows, and how it is said.
PARAMETERS_JA = {"budget": "予算を拡大", "annual budget": "年間予算を増額",
                 "rate": "保証率を引き上げ", "cap": "保証上限を引き上げ",
                 "share": "負担割合を引き上げ", "support capacity": "支援の受入枠を拡大"}
NEW_LINES_JA = {"guarantee": "保証枠", "first_loss": "ファーストロス枠",
                "concessional": "譲許的融資枠"}


def design_label(design: str, lang: str) -> str:
    """A designer's design name (``widen X: budget``, ``add guarantee (cgc)``, ``raise X:
    annual budget``, alternatives joined by `` = ``) in ``lang``; unknown forms as they are."""
    import re

    if lang != "ja":
        return design
    parts = []
    for part in design.split(" = "):
        widen = re.fullmatch(r"(widen|raise) (\S+): (.+)", part)
        add = re.fullmatch(r"add (\w+) \((\S+)\)", part)
        if widen and widen.group(3) in PARAMETERS_JA:
            parts.append(f"{widen.group(2)}の{PARAMETERS_JA[widen.group(3)]}")
        elif add and add.group(1) in NEW_LINES_JA:
            parts.append(f"{NEW_LINES_JA[add.group(1)]}を新設（{add.group(2)}）")
        else:
            parts.append(part)
    return " ＝ ".join(parts)


def amount(value: float, unit: str, lang: str) -> str:
    """An amount for the reader: 億円 / 百万円 in Japanese, ¥ million in English.

    Args:
        value: the amount in ``unit``.
        unit: the scenario's unit (``JPY_million`` is the one with yen formats).
        lang: ``en`` or ``ja``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit != "JPY_million":
        return f"{value:,.1f} {unit}"
    if lang == "ja":
        if abs(value) >= 100:
            return f"{value / 100:,.1f}億円"
        return f"{value:,.1f}百万円"
    return f"{'-' if value < 0 else ''}¥{abs(value):,.1f} million"


@dataclass(frozen=True)
class MoneyUnit:
    """One money unit for a whole chart or table: amounts in the scenario's unit are
    divided by ``divisor`` and labelled ``label`` (億円 or 百万円; ¥ billion or ¥ million)."""

    divisor: float
    label: str
    decimals: int = 1

    def scale(self, value: float) -> float:
        return value / self.divisor

    def format(self, value: float | None, with_label: bool = False) -> str:
        """A value in this unit ("-" for a missing one), the label appended when asked."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "-"
        shown = f"{value / self.divisor:,.{self.decimals}f}"
        return f"{shown} {self.label}" if with_label else shown


def money_unit(values: Iterable[float], unit: str, lang: str) -> MoneyUnit:
    """The unit for a set of amounts (in the scenario's ``unit``), chosen from their
    magnitude: 億円 when the largest is at least 1億円 (100 百万円), else 百万円; in English
    ¥ billion from ¥1,000 million, else ¥ million. Other units are kept as they are."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    largest = max(finite, default=0.0)
    if unit != "JPY_million":
        return MoneyUnit(1.0, unit)
    if lang == "ja":
        return MoneyUnit(100.0, "億円") if largest >= 100 else MoneyUnit(1.0, "百万円")
    return MoneyUnit(1000.0, "¥ billion", 2) if largest >= 1000 else MoneyUnit(1.0, "¥ million")


def unit_label(unit: str, lang: str) -> str:
    """The unit as an axis label."""
    if unit == "JPY_million":
        return "百万円" if lang == "ja" else "¥ million"
    return unit


def percent(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.2%}"
