"""Every word the app and its exports show, in English and Japanese, and amount formats.

Labels are looked up by key with :func:`text`; domain words (stages, issues, tranche
kinds) come from the same table so a chart, a form and a board paper say the same thing.
"""

from __future__ import annotations

import math

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
    "providers": ("Providers", "資金提供者"),
    "facilities": ("Facilities", "ファシリティ"),
    "tranches": ("Tranches", "トランシェ"),
    "arrivals": ("Pipeline arrivals (firms a year)", "パイプラインの新規企業数（年）"),
    "designer": ("Gap-closing designer: share of the gap to close, stage",
                 "ギャップ解消の設計：解消する割合と成長段階"),
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
    "expected_loss_pct": ("Expected loss (% of notional)", "期待損失率（元本比）"),
    "prob_loss": ("Probability of loss", "損失発生確率"),
    "expected_return": ("Expected return (annual)", "期待リターン（年率）"),
    "mobilisation_ratio": ("Mobilisation ratio", "民間資金動員倍率"),
    "public_expected_cost": ("Public expected cost", "公的資金の期待コスト"),
    "private_mobilised": ("Private money mobilised", "動員された民間資金"),
    "gap": ("Funding gap", "資金ギャップ"),
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
    "fig_gap_heatmap": ("Funding gap by stage and issue", "成長段階×課題別の資金ギャップ"),
    "fig_gap_years": ("Funding gap over the years (P10-P90)", "資金ギャップの推移（P10〜P90）"),
    "fig_handoffs": ("Handoff chain: where firms fall out", "引き継ぎの連鎖：企業が脱落する段階"),
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
    "illustrative": ("Illustrative numbers", "数値は例示です"),
    "seed": ("Seed", "乱数シード"),
    "unit": ("Unit", "単位"),
    "region": ("Region", "地域"),
    "horizon": ("Horizon (years)", "期間（年）"),
    "correlation": ("Asset correlation", "資産相関"),
    "exposure": ("Pool exposure", "プール残高"),
    "years": ("Simulated years", "シミュレーション年数"),
    "replications": ("Replications", "試行回数"),
    "budget": ("Budget", "予算"),
    "candidates": ("Candidate firms", "候補企業数"),
}

WORDS: dict[str, tuple[str, str]] = {
    "seed": ("Seed", "シード"), "early": ("Early", "アーリー"), "middle": ("Middle", "ミドル"),
    "later": ("Later", "レイター"), "other": ("Other", "その他"), "exit": ("Exit", "エグジット"),
    "environment": ("Environment", "環境"), "health": ("Health and care", "健康・医療・介護"),
    "infrastructure": ("Infrastructure", "インフラ・まちづくり"),
    "education": ("Education and childcare", "教育・子育て"),
    "food_and_agriculture": ("Food and agriculture", "食・農業"),
    "people_and_work": ("People and work", "人・しごと"),
    "first_loss": ("First loss", "ファーストロス"), "subordinated": ("Subordinated", "劣後"),
    "mezzanine": ("Mezzanine", "メザニン"), "senior": ("Senior", "シニア"),
    "grant": ("Grant", "助成"), "senior_loan": ("Senior loan", "シニアローン"),
    "subordinated_loan": ("Subordinated loan", "劣後ローン"),
    "capital_type_loan": ("Capital-type loan", "資本性ローン"),
    "outcome_linked_loan": ("Outcome-linked loan", "成果連動型ローン"), "bond": ("Bond", "債券"),
    "equity": ("Equity", "出資"), "fund_investment": ("Fund investment", "ファンド投資"),
    "guarantee": ("Guarantee", "保証"), "concessional": ("Concessional line", "譲許的融資枠"),
    "activity": ("Activity", "活動"), "output": ("Output", "アウトプット"),
    "outcome": ("Outcome", "アウトカム"), "impact": ("Impact", "インパクト"),
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
    return f"¥{value:,.1f} million"


def unit_label(unit: str, lang: str) -> str:
    """The unit as an axis label."""
    if unit == "JPY_million":
        return "百万円" if lang == "ja" else "¥ million"
    return unit


def percent(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.2%}"
