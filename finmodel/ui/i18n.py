"""Every word the app and its exports show, in English and Japanese, and amount formats.

Labels are looked up by key with :func:`text`; domain words (stages, issues, tranche
kinds) come from the same table so a chart, a form and a board paper say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
    "stk_help": ("Help", "説明"),
    "stk_help_vehicle": ("The vehicle whose capital stack is shown: a pool of loans funded "
                         "bottom to top by its tranches.",
                         "資本構成を表示するビークル：融資のプールを、下位から上位へトランシェで"
                         "資金供給する器です。"),
    "stk_help_first_loss": ("Size of the bottom tranche as a share of the pool's exposure "
                            "(more than 0%); the top tranche absorbs the change, so the sizes "
                            "still sum to 100%.",
                            "最下位トランシェの大きさ（プール残高に対する割合、0%より大）。"
                            "変更分は最上位のトランシェが吸収し、合計は100%のままです。"),
    "stk_help_rate": ("Guarantee rate: the share of each loss on the covered tranche that "
                      "the guarantor pays (0% removes the guarantee).",
                      "保証率：保証対象のトランシェの損失のうち保証人が支払う割合"
                      "（0%で保証なし）。"),
    "stk_help_cap": ("Cap rate: the maximum payout is guarantee rate × cap rate × the covered "
                     "notional (shown below in money; 0% removes the guarantee).",
                     "保証上限率：最大支払額＝保証率×上限率×保証対象の元本（下に金額で表示。"
                     "0%で保証なし）。"),
    "stk_help_coupon": ("Annual coupon (fund style: preferred return) of the concessional "
                        "tranche, at most its market coupon; below it, the difference is the "
                        "concession.",
                        "譲許的トランシェの年利（ファンドでは優先リターン）。市場水準のクー"
                        "ポンが上限で、それより低い分が譲許です。"),
    "stk_help_target": ("The senior (top) tranche's target: its expected loss as a share of "
                        "its notional must not exceed this (more than 0%, at most 100%).",
                        "シニア（最上位）トランシェの目標：元本に対する期待損失率がこの値以下"
                        "（0%より大きく100%以下）。"),
    "stk_pick_vehicle": ("Choose a vehicle", "ビークルを選択"),
    "stk_percent_label": ("{label} (%)", "{label}（%）"),
    "stk_cap_payout": ("Maximum payout: {amount}", "最大支払額：{amount}"),
    "stk_no_guarantee": ("no guarantee", "保証なし"),
    "stk_refused_first_loss_zero": ("The first-loss size must be more than 0%.",
                                    "ファーストロスの比率は0%より大きくしてください。"),
    "stk_refused_first_loss_top": ("The first loss must stay below {limit}: the top tranche "
                                   "needs the rest.",
                                   "ファーストロスの比率は{limit}未満にしてください"
                                   "（残りは最上位トランシェの分です）。"),
    "stk_refused_field": ("This value of the {field} is not accepted.",
                          "この{field}の値は使えません。"),
    "stk_refused_other": ("This combination of values is not accepted.",
                          "この値の組み合わせは使えません。"),
    "stk_kept": ("The charts show the last accepted values.",
                 "グラフは直前の有効な値の結果のままです。"),
    "stk_target_refused": ("Enter a target above 0% and at most 100%.",
                           "目標は0%より大きく100%以下で入力してください。"),
    "stk_computing": ("Computing…", "計算中…"),
    "stk_times": ("{value}×", "{value}倍"),
    "pfl_waiting": ("Computing the two portfolios; the charts appear here when they are "
                    "ready.", "2つのポートフォリオを計算中です。終わるとここに表示されます。"),
    "pfl_press_run": ("Press Run to build the two portfolios.",
                      "「実行」を押すと2つのポートフォリオを計算します。"),
    "pfl_queued": ("Waiting for a free slot on the server…", "サーバーの空きを待っています…"),
    "pfl_unit_solves": ("solves", "件の最適化"),
    "pfl_done": ("{total} solves in {seconds} s", "{total} 件の最適化を{seconds}秒で完了"),
    "pfl_cancelled": ("Cancelled", "キャンセルしました"),
    "pfl_resumed": ("Still running (started before you left this page).",
                    "計算を続けています（このページを離れる前に開始した計算です）。"),
    "pfl_col_portfolio": ("Portfolio", "ポートフォリオ"),
    "pfl_col_status": ("Solve", "解の状態"),
    "pfl_col_firms": ("Firms", "企業数"),
    "pfl_col_money": ("Money ({unit})", "資金（{unit}）"),
    "pfl_col_public_money": ("Public money ({unit})", "公的資金（{unit}）"),
    "pfl_col_total_cost": ("Total cost ({unit})", "総コスト（{unit}）"),
    "pfl_col_expected_loss": ("Expected loss ({unit})", "期待損失（{unit}）"),
    "pfl_col_hhi_issue": ("Concentration by issue (HHI)", "課題の集中度（HHI）"),
    "pfl_col_core_impact": ("Impact on the core issue", "コア課題へのインパクト"),
    "pfl_col_spillover_impact": ("Spill-over impact", "波及インパクト"),
    "pfl_col_impact_per_public_money": ("Impact per {unit} of public money",
                                        "公的資金{unit}あたりのインパクト"),
    "pfl_col_kpi": ("KPI", "KPI（指標）"),
    "pfl_col_unit": ("Unit", "単位"),
    "pfl_col_target": ("Target", "目標"),
    "pfl_col_plan": ("Plan", "計画"),
    "pfl_col_value": ("Value", "実績"),
    "pfl_col_yoy_change": ("Change on the year", "前年からの変化"),
    "pfl_col_attainment": ("Attainment against plan", "計画達成率"),
    "pfl_col_trend": ("Trend", "傾向"),
    "pfl_col_on_track": ("On track", "計画どおり"),
    "pfl_status_rule_based": ("rule-based selection", "ルールによる選定"),
    "pfl_status_optimal": ("optimal", "最適解"),
    "pfl_status_stopped": ("stopped early", "途中で打ち切り"),
    "pfl_status_none": ("no solution", "解なし"),
    "pfl_interrupted": ("The run stopped before it finished; press Run to start it again.",
                        "計算は途中で止まりました。「実行」を押すと再開します。"),
    "pfl_trend_improving": ("improving", "改善"),
    "pfl_trend_worsening": ("worsening", "悪化"),
    "pfl_trend_flat": ("flat", "横ばい"),
    "pfl_yes": ("yes", "はい"),
    "pfl_no": ("no", "いいえ"),
    "pfl_unit_persons": ("persons", "人"),
    "pfl_unit_places": ("places", "箇所"),
    "pfl_unit_houses": ("houses", "戸"),
    "pfl_unit_households": ("households", "世帯"),
    "pfl_unit_businesses": ("businesses", "事業者"),
    "pfl_unit_agreements": ("agreements", "件"),
    "pfl_unit_minutes": ("minutes", "分"),
    "pfl_unit_JPY_million": ("¥ million", "百万円"),
    # --- bundle and compare pages ---
    "bdl_share_tip": ("The share of the total funding gap (simulated demand the bundle does not "
                      "fund, with the firms it loses) the designed change must close, judged on "
                      "fresh replications at the lower confidence bound.",
                      "設計案が解消すべき資金ギャップ総額（束が応えられない資金需要と、それで失われる"
                      "企業）の割合。別の試行で、信頼区間の下限で判定します。"),
    "bdl_stage_tip": ("Close the gap of one growth stage only, or of all stages (blank).",
                      "特定の成長段階だけのギャップを対象にするか、全段階（空欄）を対象にします。"),
    "cmp_pick_tip": ("Two or more scenarios to run and compare: each vehicle's senior tranche "
                     "and, for bundles, the total funding gap.",
                     "計算して比較する2つ以上のシナリオ。各ビークルのシニア・トランシェと、束の"
                     "シナリオでは資金ギャップ総額を比べます。"),
    "cmp_folder_tip": ("A results folder written by `finmodel batch`, under the folder the app "
                       "was started with; its runs are compared instead of the scenarios above.",
                       "`finmodel batch` が書き出した結果フォルダ（アプリ起動時の結果フォルダの配下）。"
                       "指定すると上のシナリオの代わりにその計算結果を比較します。"),
    "bdl_unit_runs": ("replications", "回"),
    "bdl_eta_left": ("{eta} left", "残り{eta}"),
    "bdl_eta_estimating": ("estimating the time left", "残り時間を見積もり中"),
    "bdl_done": ("done", "完了"),
    "bdl_seconds": ("about {n} s", "約{n}秒"),
    "bdl_minutes": ("about {n} min", "約{n}分"),
    "bdl_cancelled": ("Cancelled. Press Run to start the simulation again.",
                      "キャンセルしました。「実行」を押すとシミュレーションをやり直します。"),
    "bdl_interrupted": ("The simulation stopped before it finished (another run of this tab "
                        "took its place). Press Run to start it again.",
                        "シミュレーションは途中で止まりました（このタブの別の計算に置き換えられました）。"
                        "「実行」を押すとやり直します。"),
    "bdl_finished": ("Simulated {n} replications in {time}.",
                     "{n}回の試行でシミュレーションしました（{time}）。"),
    "bdl_following": ("The simulation started earlier is still running; its results will show "
                      "here.", "先に始めたシミュレーションを実行中です。終わると結果をここに表示します。"),
    "bdl_no_bundle_title": ("This scenario has no bundle", "このシナリオには束がありません"),
    "bdl_no_bundle_todo": ("This page simulates a region's bundle of providers of money (a "
                           "pipeline of firms and a simulation). Choose a scenario with a "
                           "bundle on the Scenario page, for example: {examples}.",
                           "このページは、地域の資金提供者の束（企業のパイプラインとシミュレーション）"
                           "を計算します。シナリオのページで束のあるシナリオを選んでください。"
                           "例：{examples}。"),
    "bdl_fig_waiting": ("The simulation's results will show here; the bar above shows its "
                        "progress.", "シミュレーションの結果をここに表示します。"
                        "進み具合は上のバーで確認できます。"),
    "bdl_share_label": ("Share of the gap to close (%)", "解消する資金ギャップの割合（%）"),
    "bdl_stage_label": ("Stage (empty: all stages)", "対象の成長段階（空欄はすべて）"),
    "bdl_design_run": ("Find designs", "設計案を探す"),
    "bdl_share_invalid": ("Enter a share between 5% and 100%.",
                          "割合は5%から100%の間で入力してください。"),
    "bdl_help_title": ("How to read the table", "表の見方"),
    "bdl_help_share": ("Share closed: how much of today's total gap (of the chosen stage, or "
                       "of all stages) the design fills, as a % of that gap.",
                       "解消した割合：現状の資金ギャップ総額（選んだ成長段階、または全段階）のうち、"
                       "この設計案で埋まる割合（%）。"),
    "bdl_help_se": ("± SE: the standard error of that share over the validation "
                    "replications (the noise of the estimate).",
                    "± 標準誤差：検証用の試行のばらつきによる、その割合の推定誤差。"),
    "bdl_help_lower": ("Lower bound: the share less {z:.2f} standard errors; at {confidence} "
                       "confidence the design closes at least this much. It holds when this "
                       "meets the target.",
                       "下側信頼限界：割合から標準誤差の{z:.2f}倍を引いた値。信頼度{confidence}で"
                       "少なくともこれだけ解消します。これが目標以上なら「達成」です。"),
    "bdl_help_cost": ("Public expected cost and added public cost: public money lost or given "
                      "up, summed over the simulated years, in {unit}; the added cost is the "
                      "difference from today's bundle.",
                      "公的資金の期待コストと増加分：シミュレーション期間に失われる、または放棄される"
                      "公的資金の合計（{unit}）。増加分は現状の束との差です。"),
    "bdl_help_ratio": ("Mobilisation ratio: private money per unit of public money (times).",
                       "民間資金動員倍率：公的資金1単位あたりの民間資金（倍）。"),
    "bdl_negative_note": ("※ A negative share: the design widens the gap instead of closing "
                          "it. This happens when new public money crowds out money that other "
                          "providers would have lent (or funds firms whose later rounds then "
                          "go short); such a design does not help here.",
                          "※ 割合がマイナス：この設計案では資金ギャップがかえって広がります。"
                          "新しい公的資金が他の提供者の融資を押し出す（クラウディングアウト）、または"
                          "後の段階で資金が足りなくなる企業に資金が回る場合に起こります。"
                          "ここでは役に立たない案です。"),
    "bdl_times": ("times", "倍"),
    "bdl_firms": ("firms", "社"),
    "bdl_new_line": ("New {line} line funded by {provider}", "{line}を新設（拠出：{provider}）"),
    "bdl_line_guarantee": ("guarantee", "保証枠"),
    "bdl_line_first_loss": ("first-loss", "ファーストロス枠"),
    "bdl_line_concessional": ("concessional loan", "譲許的融資枠"),
    "bdl_lever_budget": ("{item}: larger budget", "{item}の予算を拡大"),
    "bdl_lever_rate": ("{item}: higher guarantee rate", "{item}の保証率を引き上げ"),
    "bdl_lever_cap": ("{item}: higher guarantee cap", "{item}の保証上限を引き上げ"),
    "bdl_lever_share": ("{item}: larger share of losses borne", "{item}の負担割合を引き上げ"),
    "bdl_lever_annual_budget": ("{item}: larger annual budget", "{item}の年間予算を増額"),
    "bdl_lever_capacity": ("{item}: more support places", "{item}の支援の受入枠を拡大"),
    "bdl_or": (" or ", "、または"),
    "cmp_unit_runs": ("scenarios", "シナリオ"),
    "cmp_pick_placeholder": ("Choose two or more scenarios", "2つ以上のシナリオを選択"),
    "cmp_folder_placeholder": ("e.g. out/batch", "例：out/batch"),
    "cmp_folder_help": ("A folder written by the batch command (finmodel batch … --out DIR), "
                        "relative to {root}. When given, it is compared instead of the "
                        "scenarios picked.",
                        "バッチ計算（finmodel batch）の結果フォルダを、{root} "
                        "からの相対パスで指定します。指定すると、選んだシナリオの代わりにその結果を"
                        "比較します。"),
    "cmp_waiting": ("Choose scenarios (or a batch results folder) and press Run.",
                    "比較するシナリオ（またはバッチ結果のフォルダ）を選び、「実行」を押してください。"),
    "cmp_cancelled": ("Cancelled. Press Run to compare again.",
                      "キャンセルしました。「実行」を押すと比較をやり直します。"),
    "cmp_no_folder": ("No batch results in {folder}: {error}",
                      "{folder} にバッチ結果がありません：{error}"),
    "cmp_outside": ("{folder}: the app reads batch results only under {root} (start it with "
                    "--results-root to choose another folder).",
                    "{folder}：バッチ結果は {root} の下からのみ読み込みます（別のフォルダを使う場合は "
                    "--results-root を指定して起動してください）。"),
    "cmp_scenario": ("Scenario", "シナリオ"),
    "cmp_run": ("Run", "実行ID"),
    "cmp_vehicle": ("Vehicle", "ビークル"),
    "cmp_senior_el": ("Senior expected loss", "シニアの期待損失"),
    "cmp_bundle_row": ("Bundle (whole region)", "束（地域全体）"),
    "cmp_bundle_cost": ("Public expected cost, bundle (sum over the years)",
                        "公的資金の期待コスト・束（期間合計）"),
    "cmp_gap_share": ("Total gap, share of potential demand", "資金ギャップ総額の潜在資金需要比"),
    "cmp_batch_title": ("Batch runs compared", "バッチ計算の比較"),
    # --- charts ---
    "fig_waiting": ("Press Run to start the simulation.",
                    "「実行」を押すとシミュレーションが始まります。"),
    "fig_waiting_compare": ("Choose scenarios above and press Run.",
                            "比較するシナリオを上で選び、「実行」を押してください。"),
    "fig_hint_no_vehicle": ("This scenario has no capital stack: add a vehicle on the Scenario "
                            "page.", "このシナリオには資本構成がありません。シナリオのページで"
                            "ビークルを追加してください。"),
    "fig_hint_no_bundle": ("This scenario has no bundle: add a pipeline and a simulation on "
                           "the Scenario page.", "このシナリオには束がありません。シナリオの"
                           "ページでパイプラインとシミュレーションを追加してください。"),
    "fig_hint_no_portfolio": ("This scenario has no portfolio brief: add one on the Scenario "
                              "page.", "このシナリオにはポートフォリオの設定がありません。"
                              "シナリオのページで追加してください。"),
    "fig_hint_no_irr": ("No tranche of this vehicle has an IRR (grants only).",
                        "このビークルにはIRRを持つトランシェがありません（助成のみ）。"),
    "fig_hint_no_flows": ("No money flowed in the simulation.",
                          "シミュレーションでは資金の流れがありませんでした。"),
    "fig_hint_no_kpis": ("The portfolio brief has no KPIs.",
                         "ポートフォリオの設定にKPIがありません。"),
    "fig_stack_short": ("Capital stack", "資本構成"),
    "fig_stack_sub": ("bottom (first loss) to top (senior)",
                      "下（ファーストロス）から上（シニア）へ"),
    "fig_loss_short": ("Pool loss distribution", "プール損失の分布"),
    "fig_loss_sub": ("dashed lines: where each tranche is used up",
                     "破線：各トランシェが失われる損失額"),
    "fig_irr_short": ("IRR by tranche", "トランシェ別のIRR"),
    "fig_irr_sub": ("P10-P90 band, median and mean", "P10〜P90の幅、中央値と平均"),
    "fig_el_short": ("Expected loss", "期待損失"),
    "fig_unit": ("unit: {unit}", "単位：{unit}"),
    "fig_firms": ("Firms (all years, mean of replications)", "企業数（全期間・試行の平均）"),
    "fig_impact_score": ("Impact (score)", "インパクト（スコア）"),
    "fig_cmp_senior": ("Senior tranche expected loss (% of notional)",
                       "シニア・トランシェの期待損失率（元本比）"),
    "fig_cmp_gap": ("Total funding gap, mean and P10-P90 ({unit})",
                    "資金ギャップ総額：平均とP10〜P90（{unit}）"),
    "fig_cmp_sub": ("One bar per vehicle: its senior (top) tranche. Gaps: the bundle's, summed "
                    "over the simulated years.", "棒はビークルごとのシニア（最上位）トランシェ。"
                    "資金ギャップは束のシミュレーション期間の合計。"),
    "fig_cmp_no_stack": ("no capital stack", "資本構成なし"),
    "fig_cmp_no_bundle": ("no bundle", "束なし"),
    "fig_cmp_neither": ("These runs have no capital stack and no bundle: {runs}",
                        "資本構成も束もない実行：{runs}"),
    "fig_cmp_nothing": ("The chosen runs have no capital stack and no bundle to compare.",
                        "選んだ実行には比較できる資本構成も束もありません。"),
    "fig_run": ("run {n}", "実行{n}"),
    "fig_param_size": ("size", "比率"),
    "fig_param_correlation": ("correlation", "資産相関"),
    "fig_param_rate": ("rate", "率"),
    "fig_param_cap": ("cap", "上限"),
    "fig_param_coupon": ("coupon", "クーポン"),
    "fig_param_budget": ("budget", "予算"),
    "fig_param_annual_budget": ("annual budget", "年間予算"),
    "fig_param_share": ("share", "負担割合"),
    # --- board paper and Excel ---
    "pap_no_browser_at": ("No browser found at BROWSER_PATH={path} (the board paper and chart "
                          "files are drawn by a headless Chromium).",
                          "BROWSER_PATH={path} にブラウザがありません（取締役会資料と図表ファイルは"
                          "ヘッドレスのChromiumで描画します）。"),
    "pap_no_browser_anywhere": ("No Chromium browser found (the board paper and chart files are "
                                "drawn by a headless Chromium).",
                                "Chromiumが見つかりません（取締役会資料と図表ファイルはヘッドレスの"
                                "Chromiumで描画します）。"),
    "pap_install_browser": ("Install Chromium from your distribution's packages, which works "
                            "offline from the bank's package mirror or a copied .deb (Debian/"
                            "Ubuntu: apt-get install chromium), or set BROWSER_PATH to a "
                            "chromium or chrome executable.",
                            "ディストリビューションのパッケージからChromiumをインストールして"
                            "ください（行内のパッケージミラーやコピーした .deb からオフラインで"
                            "可。Debian/Ubuntu：apt-get install chromium）。または環境変数 "
                            "BROWSER_PATH に chromium／chrome の実行ファイルを指定してください。"),
    "pap_render_timeout": ("The browser did not finish ({what}) within {seconds} s, so the export "
                           "was stopped. Try again; if it happens again, check that Chromium "
                           "starts: chromium --headless --version.",
                           "ブラウザが{seconds}秒以内に処理（{what}）を終えなかったため、出力を"
                           "中止しました。再実行してください。繰り返す場合はChromiumが起動するか"
                           "確認してください：chromium --headless --version"),
    "pap_export_failed": ("The export failed:", "出力できませんでした："),
    "pap_summary": ("Executive summary", "要旨"),
    "pap_sum_tranche": ("{provider}'s {tranche} tranche ({size})", "{provider}の{tranche}（{size}）"),
    "pap_sum_guarantee": ("{provider}'s guarantee ({rate} of each loss, capped at {cap} of the "
                          "{tranche})", "{provider}の保証（損失の{rate}、{tranche}の{cap}まで）"),
    "pap_sum_and": (" and ", "と"),
    "pap_sum_senior": ("{provider}'s {tranche} tranche", "{provider}の{tranche}"),
    "pap_sum_down_mid": ("falls from {a} to {b}", "{a}から{b}に下がり"),
    "pap_sum_down_end": ("falls from {a} to {b}", "{a}から{b}に下がります"),
    "pap_sum_up_mid": ("rises from {a} to {b}", "{a}から{b}に上がり"),
    "pap_sum_up_end": ("rises from {a} to {b}", "{a}から{b}に上がります"),
    "pap_sum_same_mid": ("stays at {b}", "{b}で変わらず"),
    "pap_sum_same_end": ("stays at {b}", "{b}で変わりません"),
    "pap_sum_more_mid": ("grows from {a} to {b}", "{a}から{b}に増え"),
    "pap_sum_more_end": ("grows from {a} to {b}", "{a}から{b}に増えます"),
    "pap_sum_less_mid": ("shrinks from {a} to {b}", "{a}から{b}に減り"),
    "pap_sum_less_end": ("shrinks from {a} to {b}", "{a}から{b}に減ります"),
    "pap_sum_compare": ("With {support}, the expected loss of {senior} {el_move} and its mean "
                        "IRR {irr_move} (“{vehicle}” against “{reference}”).",
                        "{support}により、{senior}の期待損失率は{el_move}、IRR（平均）は"
                        "{irr_move}（「{vehicle}」と「{reference}」の比較）。"),
    "pap_sum_vehicle": ("In “{vehicle}”, {senior} has an expected loss of {el} and a mean IRR of "
                        "{irr} (P10 {p10}, P90 {p90}).",
                        "「{vehicle}」では、{senior}の期待損失率は{el}、IRR（平均）は{irr}"
                        "（P10：{p10}、P90：{p90}）です。"),
    "pap_sum_cost": ("In “{vehicle}”, the public side's expected cost is {cost} (present value).",
                     "「{vehicle}」の公的資金の期待コストは{cost}（現在価値）です。"),
    "pap_sum_cost_ratio": ("In “{vehicle}”, the public side's expected cost is {cost} (present "
                           "value), and each yen of public money brings in {ratio} yen of "
                           "private money.",
                           "「{vehicle}」の公的資金の期待コストは{cost}（現在価値）で、公的資金"
                           "1円あたり{ratio}円の民間資金を呼び込みます。"),
    "pap_sum_transfer": ("Of it, the concession (a coupon below the market's) transfers {subsidy} "
                         "to the private investors.",
                         "このうち{subsidy}は、譲許（市場より低い利回り）によって民間の出資者に"
                         "移転する額です。"),
    "pap_sum_gap": ("Over {years} years the total funding gap averages {gap}, {share} of the "
                    "potential demand of {demand} (P10–P90: {p10} – {p90}).",
                    "{years}年間の資金ギャップ総額は平均{gap}で、潜在資金需要{demand}の{share}に"
                    "あたります（P10〜P90：{p10}〜{p90}）。"),
    "pap_sum_gap_parts": ("Of it, {lost} is lost pipeline (firms lost at an earlier stage for "
                          "want of money, who never ask) and {direct} is direct gap (asked, not "
                          "funded).",
                          "このうち{lost}は前の段階で資金を得られずに失われたパイプライン、"
                          "{direct}は申込みがあっても資金が付かなかった直接ギャップです。"),
    "pap_sum_money": ("Public money costs {cost} in expectation and brings in {private} of "
                      "private money ({ratio} per unit of public money).",
                      "公的資金の期待コストは{cost}で、{private}の民間資金を呼び込みます（公的資金"
                      "1に対し{ratio}）。"),
    "pap_sum_money_noratio": ("Public money costs {cost} in expectation; private money "
                              "mobilised: {private}.",
                              "公的資金の期待コストは{cost}、呼び込む民間資金は{private}です。"),
    "pap_sum_shock_stop": ("If {provider} withdraws its budgets from year {year}",
                           "{year}年目から{provider}の予算が停止されると"),
    "pap_sum_shock_cut": ("If {provider}'s budgets are cut to {pct} from year {year}",
                          "{year}年目から{provider}の予算が{pct}に削減されると"),
    "pap_sum_shock_raise": ("If {provider}'s budgets are raised to {pct} from year {year}",
                            "{year}年目から{provider}の予算が{pct}に拡大されると"),
    "pap_sum_shocks": ("With its {n} policy shocks", "{n}件の政策ショックにより"),
    "pap_sum_shock": ("{shock}, the total funding gap {gap_move} against the same scenario "
                      "without the shock ({diff}), and the public expected cost {cost_move}.",
                      "{shock}、ショックがない場合と比べて資金ギャップ総額は{gap_move}"
                      "（{diff}）、公的資金の期待コストは{cost_move}。"),
    "pap_sum_portfolios": ("The {core} portfolio reaches a core-issue impact of {i1}, {times} "
                           "times the {firm} portfolio's {i0}, for a total cost of {c1} against "
                           "{c0}; its expected loss is {l1} against {l0}.",
                           "{core}のポートフォリオのコア課題へのインパクトは{i1}で、{firm}の"
                           "{i0}の{times}倍です。総コストは{c1}（{firm}は{c0}）、期待損失は"
                           "{l1}（同{l0}）です。"),
    "pap_author": ("Author", "作成者"),
    "pap_author_field": ("Author (printed on every page; optional)", "作成者（各ページに印字・任意）"),
    "pap_page": ("page {n} / {total}", "{n} / {total} ページ"),
    "pap_hash": ("scenario {hash}", "シナリオ {hash}"),
    "pap_description": ("What it is", "概要"),
    "pap_region": ("Region and core issue", "地域とコア課題"),
    "pap_vehicle": ("Vehicle: {name}", "ビークル：{name}"),
    "pap_vehicle_terms": ("pool of {size}, {years:g} years, asset correlation {rho:g}",
                          "プール残高 {size}、期間 {years:g}年、資産相関 {rho:g}"),
    "pap_tranches_of": ("{name}: tranches, bottom (first loss) to top",
                        "{name}：トランシェ（下位から上位へ）"),
    "pap_unit": ("Amounts in the scenario", "シナリオの金額単位"),
    "pap_money_in": ("amounts in {unit}", "金額の単位：{unit}"),
    "pap_providers": ("Providers of money ({n})", "資金提供者（{n}者）"),
    "pap_shock": ("Policy shock", "政策ショック"),
    "pap_shock_stop": ("from year {year}, {provider}'s budgets withdrawn (× 0)",
                       "{year}年目から{provider}の予算を停止（×0）"),
    "pap_shock_cut": ("from year {year}, {provider}'s budgets cut to {pct} (× {m:g})",
                      "{year}年目から{provider}の予算を{pct}に削減（×{m:g}）"),
    "pap_shock_raise": ("from year {year}, {provider}'s budgets raised to {pct} (× {m:g})",
                        "{year}年目から{provider}の予算を{pct}に拡大（×{m:g}）"),
    "pap_portfolio_budget": ("Portfolio budget", "ポートフォリオの予算"),
    "pap_reproducibility": ("Reproducibility", "再現性"),
    "pap_figure": ("Figure {n}.", "図{n}．"),
    "pap_all_vehicles": ("all vehicles", "全ビークル"),
    "pap_vehicles_title": ("Vehicles compared: the senior tranche's expected loss and IRR",
                           "ビークルの比較：シニアトランシェの期待損失率とIRR"),
    "pap_senior_el": ("Senior: expected loss (% of notional)", "シニア：期待損失率（元本比）"),
    "pap_senior_irr": ("Senior: mean IRR (line: P10 to P90)", "シニア：平均IRR（線はP10〜P90）"),
    "pap_total_cost": ("total cost (money, support and coordination)",
                       "総コスト（資金・支援・調整）"),
    "pap_cap_stack_all": ("Each bar is one vehicle's capital stack: the first tranche to take "
                          "losses at the bottom, the senior at the top; a tranche's height is "
                          "its share of the vehicle, its label its amount and expected loss.",
                          "棒は各ビークルの資本構成です。下が最初に損失を負うトランシェ、上が"
                          "シニアで、高さは比率、ラベルは金額と期待損失率です。"),
    "pap_cap_vehicles": ("The senior tranche of each vehicle side by side: its expected loss "
                         "(share of its money never repaid) and its mean IRR with the P10-P90 "
                         "range over the simulated paths. Lower loss and higher IRR are better.",
                         "各ビークルのシニアトランシェを並べています。期待損失率（返済されない"
                         "元本の割合）と、シミュレーション上の平均IRR（線はP10〜P90の範囲）です。"
                         "損失は低いほど、IRRは高いほど有利です。"),
    "pap_cap_cashflows": ("{vehicle}: the expected cash each holder receives each year (coupons, "
                          "principal, guarantee payments, residual). Bars above zero are money "
                          "received.",
                          "{vehicle}：保有者ごとの年別の期待受取額（利払い、元本、保証、残余）"
                          "です。0より上の棒が受け取る資金です。"),
    "pap_cap_irr_bands": ("{vehicle}: each tranche's IRR over the simulated paths; the bar spans "
                          "P10 (a bad case) to P90, the marks show the median and the mean.",
                          "{vehicle}：シミュレーション上の各トランシェのIRRです。棒はP10（下振れ時）"
                          "からP90までの範囲、印は中央値と平均です。"),
    "pap_cap_loss_distribution": ("{vehicle}: how likely each loss of the pool is at the "
                                  "horizon; dashed lines mark where each tranche starts losing "
                                  "money. Mass to the right of a line is loss for that tranche.",
                                  "{vehicle}：期末のプール損失の確率分布です。破線は各トランシェ"
                                  "が損失を負い始める位置で、その右側の確率がそのトランシェの損失"
                                  "につながります。"),
    "pap_cap_tranche_metrics": ("{vehicle}: for each tranche, the expected loss as a share of its "
                                "money and the return of its expected cash flows.",
                                "{vehicle}：トランシェ別の期待損失率（元本比）と、期待キャッシュ"
                                "フローの利回りです。"),
    "pap_cap_gap_heatmap": ("The total funding gap (potential demand less money supplied) by "
                            "growth stage and issue, summed over the simulated years; darker "
                            "cells lack more money.",
                            "成長段階×課題ごとの資金ギャップ総額（潜在資金需要－供給額、全期間の"
                            "合計）です。色が濃いほど不足額が大きいセルです。"),
    "pap_cap_gap_years": ("The total funding gap year by year, mean with its P10-P90 band over "
                          "replications, with demand and supply for scale.",
                          "資金ギャップ総額の年別推移（平均と試行間のP10〜P90の幅）と、比較の"
                          "ための資金需要・供給額です。"),
    "pap_cap_handoffs": ("Firms graduating from each stage and how many are lost at each break "
                         "of the chain for want of money at the next stage.",
                         "各成長段階を卒業した企業数と、次の段階で資金を得られずに失われた企業数"
                         "です。"),
    "pap_cap_sankey": ("Where the money goes: from each provider, through the facilities, to "
                       "growth stages and issues; a band's width is the amount.",
                       "資金の流れです。提供者からファシリティを経て成長段階・課題へ流れ、帯の"
                       "幅が金額を表します。"),
    "pap_cap_coverage": ("How many providers can serve each stage and issue; an empty cell is a "
                         "hole nobody lends to.",
                         "成長段階×課題ごとに対応できる提供者数です。空白のセルは誰も資金を"
                         "出さない空白地帯です。"),
    "pap_cap_portfolios": ("The firm-by-firm and the core-issue portfolio side by side on money, "
                           "risk and impact.",
                           "個社別とコア課題起点の二つのポートフォリオを、資金・リスク・インパクトで"
                           "比べています。"),
    "pap_cap_frontier": ("The most impact on the core issue reachable at each expected-loss "
                         "limit: points up and to the left are better.",
                         "期待損失の上限ごとに達成できるコア課題への最大インパクトです。左上ほど"
                         "有利です。"),
    "pap_cap_case_map": ("Money of each portfolio by issue and finance method (the case map).",
                         "ポートフォリオごとの課題×資金手法別の資金額（ケースマップ）です。"),
    "pap_cap_kpis": ("Each KPI's value against its plan, year by year; below the plan means "
                     "behind schedule.",
                     "各KPIの実績と計画の年別比較です。計画を下回る場合は遅れています。"),
    "pap_cap_logic_model": ("The logic model of the core issue: activities lead to outputs, "
                            "outcomes and the impact; holes no firm or support covers are marked.",
                            "コア課題のロジックモデルです。活動から結果、成果、インパクトへ"
                            "つながります。企業も支援も対応しない空白を示しています。"),
    "pap_xlsx_card": ("Tables of the run (Excel, one sheet per table)",
                      "計算結果の表（Excel・表ごとに1シート）"),
    "pap_xlsx_button": ("Download tables (Excel)", "表をダウンロード（Excel）"),
    "pap_xlsx_note": ("Headers in the chosen language with units; amounts in the scenario's "
                      "unit.", "見出しは選んだ言語で単位付き、金額はシナリオの単位です。"),
    # --- scenario page, workspace, validation messages ---
    "scn_pick_placeholder": ("Choose a shipped scenario", "同梱シナリオを選択"),
    "scn_file": ("file {file}", "ファイル {file}"),
    "scn_edited": ("edited", "編集あり"),
    "scn_dd_select_all": ("Select all", "すべて選択"),
    "scn_dd_deselect_all": ("Deselect all", "すべて解除"),
    "scn_dd_selected": ("{num_selected} selected", "{num_selected}件を選択中"),
    "scn_dd_search": ("Search", "検索"),
    "scn_dd_clear_search": ("Clear search", "検索をクリア"),
    "scn_dd_clear": ("Clear selection", "選択を解除"),
    "scn_dd_none": ("No options found", "該当する項目がありません"),
    "scn_dd_placeholder": ("Select…", "選択してください"),
    "scn_filter_placeholder": ("filter…", "絞り込み…"),
    "scn_guide": ("User guide (Japanese)", "利用ガイド"),
    "scn_guide_back": ("Back to the app", "アプリに戻る"),
    "scn_guide_en_note": ("The user guide is written in Japanese; the README describes the app "
                          "in English.", "利用ガイド"),
    "scn_tables_note": ("Rates and shares in %, amounts in {unit}. Edit the white cells and "
                        "press Apply.", "金利・割合は％、金額は{unit}です。白いセルを編集して"
                        "「変更を適用」を押してください。"),
    "scn_invalid_at": ("Not changed ({n} problem(s)): file, line, field and what is wrong",
                       "変更していません（問題 {n} 件）：ファイル・行・項目と内容"),
    "scn_workspace": ("Saved scenarios", "保存したシナリオ"),
    "scn_save_name": ("Save as (name)", "名前を付けて保存"),
    "scn_save_placeholder": ("e.g. prefecture guarantee plan", "例：県の保証枠の拡充案"),
    "scn_save": ("Save", "保存"),
    "scn_saved": ("Saved: {name}, version {version} ({time}).",
                  "保存しました：{name}（第{version}版、{time}）"),
    "scn_bad_name": ("Give a name of letters, digits, - or _.",
                     "名前には文字・数字・「-」・「_」を使ってください。"),
    "scn_saved_pick": ("Saved scenario", "保存したシナリオ"),
    "scn_version_pick": ("Version (newest first)", "版（新しい順）"),
    "scn_version_label": ("version {version} · {time}", "第{version}版・{time}"),
    "scn_reopen": ("Reopen", "開く"),
    "scn_reopened": ("Reopened: {name}, version {version}.", "開きました：{name}（第{version}版）"),
    "scn_nothing_saved": ("Nothing saved yet: give a name and press Save.",
                          "保存したシナリオはまだありません。名前を入れて「保存」を押してください。"),
    "scn_workspace_note": ("Kept on the server in {folder}; every save is a new version.",
                           "サーバーの {folder} に保存され、保存のたびに新しい版になります。"),
    "scn_compare": ("Compare with base", "ベースと比較"),
    "scn_base": ("Base: {name}", "ベース：{name}"),
    "scn_no_changes": ("No changes since the base.", "ベースからの変更はありません。"),
    "scn_changes": ("Changes since the base", "ベースからの変更点"),
    "scn_col_field": ("Field", "項目"),
    "scn_col_base": ("Base", "ベース"),
    "scn_col_now": ("Now", "現在"),
    "scn_col_change": ("Change", "差"),
    "scn_col_figure": ("Figure", "指標"),
    "scn_headline_changes": ("Headline numbers, base and now", "主要な数値（ベースと現在）"),
    "scn_added": ("(added)", "（追加）"),
    "scn_removed": ("(removed)", "（削除）"),
    "scn_compare_note": ("Both scenarios are run (results are cached on the server); a "
                         "bundle takes a little longer.", "両方のシナリオを計算します（結果は"
                         "サーバーに保存され再利用されます）。束のシナリオは少し時間がかかります。"),
    "scn_builder": ("Add or remove providers, facilities, tranches and pool segments",
                    "資金提供者・ファシリティ・トランシェ・プールのセグメントの追加と削除"),
    "scn_section": ("What", "対象"),
    "scn_pool": ("Pool segments", "プールのセグメント"),
    "scn_add": ("Add", "追加"),
    "scn_remove": ("Remove", "削除"),
    "scn_remove_pick": ("Item to remove", "削除する項目"),
    "scn_added_msg": ("Added {item}.", "{item} を追加しました。"),
    "scn_removed_msg": ("Removed {item}.", "{item} を削除しました。"),
    "scn_need": ("Fill in: {fields}.", "次を入力してください：{fields}"),
    "scn_builder_note": ("A new tranche goes in its place in the stack and takes its size from "
                         "the top tranche; a removed one gives its size to the top tranche.",
                         "追加したトランシェは資本構成の該当する位置に入り、その比率は最上位の"
                         "トランシェから差し引きます。削除したトランシェの比率は最上位のトランシェ"
                         "に加えます。"),
    "scn_percent": ("%", "％"),
}

def text(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``ja``)."""
    en, ja = TEXT[key]
    return ja if lang == "ja" else en


def dropdown_labels(lang: str) -> dict[str, str]:
    """Dash 4 ``dcc.Dropdown``'s own texts (search box, select-all, "n selected", ...) in
    ``lang``: its ``labels``."""
    return {"select_all": text("scn_dd_select_all", lang),
            "deselect_all": text("scn_dd_deselect_all", lang),
            "selected_count": text("scn_dd_selected", lang),
            "search": text("scn_dd_search", lang),
            "clear_search": text("scn_dd_clear_search", lang),
            "clear_selection": text("scn_dd_clear", lang),
            "no_options_found": text("scn_dd_none", lang)}


def dropdown_texts(lang: str) -> dict[str, Any]:
    """A ``dcc.Dropdown``'s placeholder and :func:`dropdown_labels` in ``lang``:
    ``dcc.Dropdown(..., **dropdown_texts(lang))``."""
    return {"placeholder": text("scn_dd_placeholder", lang), "labels": dropdown_labels(lang)}


def table_filter_options(lang: str) -> dict[str, str]:
    """A DataTable's ``filter_options`` with its filter cell's placeholder in ``lang``."""
    return {"placeholder_text": text("scn_filter_placeholder", lang)}


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

    def amount(self, value: float | None, lang: str) -> str:
        """An amount in this unit as a card, a paper or a sentence shows it: 0.48億円,
        ¥47.6 million, 3.5 t-CO2 ("-" for a missing one)."""
        shown = self.format(value)
        if shown == "-":
            return shown
        if lang == "ja" and self.label in ("億円", "百万円"):
            return f"{shown}{self.label}"
        if self.label.startswith("¥ "):
            sign, digits = ("-", shown[1:]) if shown.startswith("-") else ("", shown)
            return f"{sign}¥{digits} {self.label[2:]}"
        return f"{shown} {self.label}"


def money_unit(values: Iterable[float], unit: str, lang: str,
               fine: bool = False) -> MoneyUnit:
    """The unit for a set of amounts (in the scenario's ``unit``), chosen from their
    magnitude: 億円 when the largest is at least 1億円 (100 百万円), else 百万円; in English
    ¥ billion from ¥1,000 million, else ¥ million. Other units are kept as they are.
    ``fine``: two decimals in 億円 too, so 47.6百万円 reads 0.48億円, not 0.5億円 (cards,
    the paper's tables and sentences)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    largest = max(finite, default=0.0)
    if unit != "JPY_million":
        return MoneyUnit(1.0, unit)
    if lang == "ja":
        if largest >= 100:
            return MoneyUnit(100.0, "億円", 2 if fine else 1)
        return MoneyUnit(1.0, "百万円")
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
