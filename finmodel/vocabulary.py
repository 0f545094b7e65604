"""The words of the domain (see shared/DOMAIN.md) as enumerations.

Stages, issues, provider types and their sectors, tranche kinds and loss engines.
Every other module uses these names, so a scenario file, a results table and the
web app all speak the same language as the regional bank planners who use them.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """A firm's growth stage."""

    seed = "seed"
    early = "early"
    middle = "middle"
    later = "later"
    other = "other"  # e.g. second founding after succession, traditional firms


class Issue(StrEnum):
    """Social-issue categories of the case map (issue x finance method)."""

    environment = "environment"  # climate, conservation, biodiversity
    health = "health"  # health and medical care
    infrastructure = "infrastructure"  # infrastructure and urban development
    education = "education"  # education and childcare
    food_and_agriculture = "food_and_agriculture"
    people_and_work = "people_and_work"
    other = "other"


class Sector(StrEnum):
    """Whose money it is: decides what counts as public cost and what as mobilised."""

    public = "public"
    private = "private"
    philanthropic = "philanthropic"


class ProviderType(StrEnum):
    """Kinds of provider of money (or support) in a region's bundle."""

    regional_bank = "regional_bank"
    credit_union = "credit_union"  # shinkin banks and credit cooperatives
    policy_finance = "policy_finance"  # e.g. the public finance corporation
    development_bank = "development_bank"
    public_private_fund = "public_private_fund"
    venture_capital = "venture_capital"
    dormant_deposit_fund = "dormant_deposit_fund"
    crowdfunding = "crowdfunding"
    hometown_tax = "hometown_tax"  # furusato nozei donations
    municipality = "municipality"  # city, town, village or prefecture
    national_government = "national_government"
    foundation = "foundation"
    accelerator = "accelerator"  # non-financial support only
    credit_guarantee_corporation = "credit_guarantee_corporation"
    private_investor = "private_investor"
    corporate = "corporate"


#: The sector a provider type belongs to unless the scenario says otherwise.
DEFAULT_SECTOR: dict[ProviderType, Sector] = {
    ProviderType.regional_bank: Sector.private,
    ProviderType.credit_union: Sector.private,
    ProviderType.policy_finance: Sector.public,
    ProviderType.development_bank: Sector.public,
    ProviderType.public_private_fund: Sector.public,
    ProviderType.venture_capital: Sector.private,
    ProviderType.dormant_deposit_fund: Sector.public,
    ProviderType.crowdfunding: Sector.private,
    ProviderType.hometown_tax: Sector.philanthropic,
    ProviderType.municipality: Sector.public,
    ProviderType.national_government: Sector.public,
    ProviderType.foundation: Sector.philanthropic,
    ProviderType.accelerator: Sector.public,
    ProviderType.credit_guarantee_corporation: Sector.public,
    ProviderType.private_investor: Sector.private,
    ProviderType.corporate: Sector.private,
}


class TrancheKind(StrEnum):
    """Position of a slice in a capital stack (capital-type loans are `subordinated`)."""

    first_loss = "first_loss"
    subordinated = "subordinated"
    mezzanine = "mezzanine"
    senior = "senior"
    grant = "grant"  # money that is not repaid


class Engine(StrEnum):
    """Loss model used for a vehicle's pool."""

    exact = "exact"  # finite heterogeneous pool, conditional independence
    monte_carlo = "monte_carlo"  # seeded simulation, optional two-level factors
    lhp = "lhp"  # Vasicek large homogeneous pool closed form


class Amortisation(StrEnum):
    """How a segment's loans repay principal over the vehicle's life."""

    bullet = "bullet"  # all principal at the horizon
    linear = "linear"  # equal principal each period
    annuity = "annuity"  # equal payments (interest plus principal) each period


class WaterfallStyle(StrEnum):
    """The named priorities of payments (see finmodel/stack/waterfall.py)."""

    notes = "notes"  # loans and bonds: fees, coupons, principal, cures, residual
    fund = "fund"  # investment funds: fees, capital back, preferred return, pro-rata residual


class WaterfallStep(StrEnum):
    """One documented step of a priority of payments."""

    fees = "fees"  # guarantee fees and the management fee due
    coupons = "coupons"  # coupons (or preferred returns) due, senior first
    principal = "principal"  # principal collected this period, senior first
    cures = "cures"  # principal written down, cured senior first
    capital = "capital"  # every yen left returns outstanding capital, senior first
    residual = "residual"  # the rest to the residual holder (or retained by the vehicle)
    residual_pro_rata = "residual_pro_rata"  # the rest pro rata to private tranches


#: The steps of each style, in order.
WATERFALL_STEPS: dict[WaterfallStyle, tuple[WaterfallStep, ...]] = {
    WaterfallStyle.notes: (WaterfallStep.fees, WaterfallStep.coupons, WaterfallStep.principal,
                           WaterfallStep.cures, WaterfallStep.residual),
    WaterfallStyle.fund: (WaterfallStep.fees, WaterfallStep.capital, WaterfallStep.coupons,
                          WaterfallStep.residual_pro_rata),
}


class FactorModel(StrEnum):
    """Dependence structure of defaults."""

    one_factor = "one_factor"
    two_level = "two_level"  # a global factor plus one factor per issue


class Instrument(StrEnum):
    """Finance methods a provider may use (DOMAIN.md, "Finance methods")."""

    senior_loan = "senior_loan"
    subordinated_loan = "subordinated_loan"
    capital_type_loan = "capital_type_loan"  # long, bullet, subordinated quasi-equity
    outcome_linked_loan = "outcome_linked_loan"  # pricing tied to impact KPIs
    bond = "bond"
    equity = "equity"
    fund_investment = "fund_investment"
    grant = "grant"
    guarantee = "guarantee"


#: Loss given default a provider bears by instrument unless the scenario says otherwise.
DEFAULT_LGD: dict[Instrument, float] = {
    Instrument.senior_loan: 0.6,
    Instrument.subordinated_loan: 0.85,
    Instrument.capital_type_loan: 0.9,
    Instrument.outcome_linked_loan: 0.6,
    Instrument.bond: 0.6,
    Instrument.equity: 1.0,
    Instrument.fund_investment: 1.0,
    Instrument.grant: 1.0,
    Instrument.guarantee: 0.6,
}

#: Growth stages in the order firms move through them.
STAGE_ORDER: tuple[Stage, ...] = (Stage.seed, Stage.early, Stage.middle, Stage.later)
#: Where a firm goes after the later stage (an IPO, M&A or local IPO): a handoff target.
EXIT = "exit"


class FacilityKind(StrEnum):
    """Blended support the bundle can attach to a deal."""

    guarantee = "guarantee"  # credit enhancement
    first_loss = "first_loss"  # first-loss share of the lender's loss
    concessional = "concessional"  # return enhancement: a cheap co-lending line


class ArrivalProcess(StrEnum):
    poisson = "poisson"
    fixed = "fixed"  # exact counts each year


#: Domain words (stages, issues, tranche kinds, instruments, logic-model levels) in
#: English and Japanese: what every table, chart and paper calls them.
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
    # provider types, sectors and repayment (added with the scenario page's builder)
    "regional_bank": ("Regional bank", "地方銀行"), "credit_union": ("Credit union", "信用金庫・信用組合"),
    "policy_finance": ("Policy finance", "政策金融機関"),
    "development_bank": ("Development bank", "政策投資銀行"),
    "public_private_fund": ("Public-private fund", "官民ファンド"),
    "venture_capital": ("Venture capital", "ベンチャーキャピタル"),
    "dormant_deposit_fund": ("Dormant-deposit fund", "休眠預金等活用の資金分配団体"),
    "crowdfunding": ("Crowdfunding", "クラウドファンディング"),
    "hometown_tax": ("Hometown-tax donations", "ふるさと納税"),
    "municipality": ("Municipality", "自治体"),
    "national_government": ("National government", "国"), "foundation": ("Foundation", "財団"),
    "accelerator": ("Accelerator", "アクセラレーター"),
    "credit_guarantee_corporation": ("Credit guarantee corporation", "信用保証協会"),
    "private_investor": ("Private investor", "民間投資家"), "corporate": ("Corporate", "事業会社"),
    "public": ("Public", "公的"), "private": ("Private", "民間"),
    "philanthropic": ("Philanthropic", "寄附・フィランソロピー"),
    "bullet": ("Bullet", "期日一括返済"), "linear": ("Linear", "元金均等返済"),
    "annuity": ("Annuity", "元利均等返済"),
}
