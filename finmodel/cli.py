"""The ``finmodel`` command: validate, run and design scenarios from the shell.

Exit codes: 0 success; 2 bad input (a scenario that does not validate, a bad option,
an output path that cannot be written, a batch over --max-runs, a damaged or
inconsistent batch results folder), with nothing written; 3 a design target that no setting meets (``design``,
``close-gap``); 1 an unexpected failure; 141 output cut short because the reader closed
the pipe (``| head``), quietly, as any Unix tool stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from finmodel import __version__
from finmodel.vocabulary import STAGE_ORDER  # enums only: --help stays quick

#: The growth stages firms move through, for ``close-gap --stage``.
PIPELINE_STAGES = [stage.value for stage in STAGE_ORDER]
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_TARGET_NOT_MET = 3
EXIT_PIPE_CLOSED = 128 + 13  # the shell's code for a process ended by SIGPIPE
#: ``finmodel batch --max-runs`` default (the runner's ``DEFAULT_MAX_RUNS``; not
#: imported from it so that ``--help`` stays quick).
DEFAULT_MAX_RUNS = 10_000
#: Design targets on a share of the senior's money or a probability: in (0, 1].
SHARE_TARGETS = ("max_expected_loss_pct", "max_prob_loss")
#: Design targets on a return (an IRR): above -1 (-100%) and at most 1.
RETURN_TARGETS = ("min_expected_return", "min_irr_p10", "min_irr_mean")

DESCRIPTION = """\
finmodel models blended-finance capital stacks for regional impact finance:
first-loss, subordinated and senior tranches, guarantees and concessional money over
a pool of loans with correlated defaults. Scenarios are YAML files (see README).
"""

EPILOG = """\
examples:
  finmodel validate scenarios/*.yaml
  finmodel run scenarios/dormant_deposit_fund.yaml --out out/
  finmodel design scenarios/dormant_deposit_fund.yaml --vehicle subordinated_fund \\
      --target max_expected_loss_pct --value 0.005
  finmodel design scenarios/dormant_deposit_fund.yaml --target min_irr_mean --value 0.02 \\
      --lever concession
  finmodel run scenarios/bundle_policy_shock.yaml --out out/shock
  finmodel close-gap scenarios/bundle_transition_bank.yaml --share 0.3 --stage middle \\
      --write-best out/designed.yaml
  finmodel batch scenarios/ --out out/batch --workers 2
  finmodel results out/batch --csv out/batch-csv
  finmodel export scenarios/bundle_policy_shock.yaml --out paper.pdf --lang ja
  finmodel export dormant_deposit_fund --xlsx tables.xlsx --lang en
  finmodel schema > scenario.schema.json

exit codes: 0 ok, 2 invalid scenario or option (nothing written), 3 design target
not met, 1 other failure, 141 output cut short by a closed pipe
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finmodel", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"finmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = sub.add_parser("validate", help="check scenario files; print every problem",
                              description="Check scenario files and print every problem "
                              "with file, line and field. Writes nothing.")
    validate.add_argument("files", nargs="+", metavar="FILE")

    run = sub.add_parser("run", help="run a scenario and print (and write) its tables",
                         description="Run every vehicle of a scenario, and its bundle if it "
                         "has one. With --out, write the tables as CSV into DIR (each "
                         "atomically): tranches, vehicles, guarantees, loss_distribution; "
                         "gaps, handoffs, providers, facilities, coverage, bundle_summary; "
                         "portfolios, case_map, portfolio_stages, impact, spillover, "
                         "frontier, kpis, collective_impact, logic_holes, candidates.")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--out", metavar="DIR", help="folder for the result tables")
    run.add_argument("--engine", choices=["exact", "monte_carlo", "lhp"],
                     help="override every vehicle's engine")

    design = sub.add_parser(
        "design", help="smallest first loss, concession or guarantee meeting a senior target",
        description="Find the smallest setting of a lever (first-loss size, a public "
        "tranche's coupon cut, a guarantee's rate or cap) at which the senior (top) tranche "
        "meets a target, and the PD multiple at which each tranche takes its first loss. "
        "Every trial pays the same simulated paths (common random numbers).")
    design.add_argument("file", metavar="FILE")
    design.add_argument("--vehicle", help="vehicle id (default: the first vehicle)")
    design.add_argument("--target", required=True,
                        choices=["max_expected_loss_pct", "max_prob_loss",
                                 "min_expected_return", "min_irr_p10", "min_irr_mean",
                                 "min_npv"])
    design.add_argument("--value", required=True, type=float,
                        help="target value: a share (0.01 for 1%%) or, for min_npv, an amount")
    design.add_argument("--lever", default="first_loss",
                        choices=["first_loss", "concession", "guarantee_rate", "guarantee_cap"],
                        help="what may change (default first_loss)")
    design.add_argument("--tranche", help="concession: the conceding tranche (default: the "
                        "first public or philanthropic tranche below the senior)")
    design.add_argument("--guarantee", type=int, help="guarantee levers: which guarantee "
                        "(0-based, default 0)")

    close = sub.add_parser(
        "close-gap", help="rank bundle changes that close a funding gap at least public cost",
        description="Search a menu of changes to the bundle (facility budgets, rates, caps and "
        "shares; new guarantee, first-loss or concessional lines; provider budgets; support "
        "capacity) for the cheapest way to close a share of the total funding gap (potential "
        "demand - supplied), tuning every candidate on the same replications and checking it "
        "on fresh ones (disjoint seeds). Prints the ranked designs.")
    close.add_argument("file", metavar="FILE")
    close.add_argument("--share", type=float, required=True,
                       help="share of the gap to close, e.g. 0.3")
    close.add_argument("--stage", choices=PIPELINE_STAGES,
                       help="only this stage's gap (default: the total gap)")
    close.add_argument("--issue", help="only this issue's gap (with or without --stage)")
    close.add_argument("--replications", type=int, default=40,
                       help="tuning replications per candidate (default 40)")
    close.add_argument("--validation-replications", type=int,
                       help="fresh replications each design is checked on (default: twice "
                       "--replications)")
    close.add_argument("--confidence", type=float, default=0.9,
                       help="a design holds when the lower bound of the share it closes at "
                       "this one-sided confidence meets --share (default 0.9)")
    close.add_argument("--out", metavar="FILE", help="also write the ranked designs as CSV")
    close.add_argument("--write-best", metavar="OUT.yaml",
                       help="write the best design that holds as a scenario file")

    batch = sub.add_parser(
        "batch", help="run many scenarios and sweeps into a results store",
        description="Run every scenario file given (folders are searched for *.yaml), "
        "expanding `sweep:` blocks into runs, on a process pool or a Dask cluster. Results "
        "go to DIR as Parquet (manifest.parquet, tables/<kind>.parquet). A bad file or a "
        "failed run is reported and the others go on; the exit code is 2 if a file was "
        "invalid, 1 if a run failed.")
    batch.add_argument("paths", nargs="+", metavar="PATH")
    batch.add_argument("--out", required=True, metavar="DIR", help="results folder")
    batch.add_argument("--workers", type=int, default=1, help="parallel workers (default 1)")
    batch.add_argument("--backend", choices=["local", "dask"], default="local")
    batch.add_argument("--scheduler", metavar="ADDR",
                       help="dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                       "(default: a local cluster)")
    batch.add_argument("--resume", action="store_true",
                       help="skip runs already complete in DIR (same scenario and version)")
    batch.add_argument("--max-runs", type=int, default=DEFAULT_MAX_RUNS, metavar="N",
                       help="refuse (before planning, nothing written) a batch of more runs "
                       f"than N, counted from the sweeps' sizes (default {DEFAULT_MAX_RUNS:,})")

    results_cmd = sub.add_parser("results", help="summarise a batch results folder",
                                 description="Print a batch's runs, failures and tables; "
                                 "with --csv, export every table as CSV.")
    results_cmd.add_argument("folder", metavar="DIR")
    results_cmd.add_argument("--csv", metavar="OUTDIR", help="write each table as CSV here")

    export = sub.add_parser(
        "export", help="write the board paper (A4 PDF), every chart and/or the tables (Excel)",
        description="Run a scenario and write its board paper (title, key assumptions, "
        "headline numbers and the charts with captions, A4 PDF; date, author, version, "
        "scenario hash and page numbers on every page), every chart, and/or every table of "
        "the run as an Excel workbook (a sheet per table), in Japanese or English. The paper "
        "and charts are drawn by one headless Chromium (BROWSER_PATH, else found on PATH); "
        "without one the export stops at once, before the run, with exit 1 and a message "
        "that says how to install it offline (Debian/Ubuntu: apt-get install chromium).")
    export.add_argument("file", metavar="SCENARIO")
    export.add_argument("--out", metavar="PAPER.pdf", help="board paper to write")
    export.add_argument("--lang", choices=["ja", "en"], default="ja")
    export.add_argument("--author", default="",
                        help="author printed on every page of the paper (default: none)")
    export.add_argument("--charts", metavar="DIR", help="also write every chart into DIR")
    export.add_argument("--format", choices=["png", "svg", "pdf"], default="png",
                        help="chart format (default png)")
    export.add_argument("--xlsx", metavar="FILE.xlsx",
                        help="write every table of the run as an Excel workbook")

    app = sub.add_parser("app", help="start the web app (on 127.0.0.1 unless told otherwise)",
                         description="Start the web app for regional bank planners with the "
                         "shipped scenarios. Binds to 127.0.0.1 unless --host says otherwise.")
    app.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    app.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    app.add_argument("--scenario", default="dormant_deposit_fund.yaml",
                     help="shipped scenario to open first")
    app.add_argument("--debug", action="store_true", help="Dash debug mode (development)")
    app.add_argument("--results-root", metavar="DIR", default=".",
                     help="the compare page reads batch results only under DIR (default: "
                          "the working directory)")
    app.add_argument("--workspace", metavar="DIR", default=None,
                     help="folder where named scenarios are saved, each save a new version "
                          "(default: $FINMODEL_WORKSPACE, else "
                          "~/.local/share/finmodel/workspace)")
    for command in (run, design, close, batch, export):
        command.add_argument("--allow-large", action="store_true",
                             help="lift the limits on a run's estimated memory and work "
                                  "(finmodel/cost.py)")

    schema = sub.add_parser("schema", help="print the JSON schema of the scenario format")
    schema.add_argument("--out", metavar="FILE", help="write it to FILE instead")
    return parser


def _refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_BAD_INPUT


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def _output_problem(value: str | None, option: str, folder: bool) -> str | None:
    """Why ``value`` (an output folder, or with ``folder=False`` a file) cannot be
    written, or None: checked before any work, so a bad path costs nothing.

    An existing file given as an output file is replaced (atomically); a folder must not
    be an existing file; the folder, or the nearest existing one above it, must be a
    folder this user can write into.
    """
    if value is None:
        return None
    path = Path(value)
    try:
        if folder and path.exists() and not path.is_dir():
            return f"{option} {value}: exists and is not a folder"
        if not folder and path.is_dir():
            return f"{option} {value}: is a folder (give a file name)"
        parent = _nearest_existing(path if folder else path.parent)
        if not parent.is_dir():
            return f"{option} {value}: cannot be created: {parent} is not a folder"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"{option} {value}: cannot write into {parent} (permission denied)"
    except OSError as exc:
        return f"{option} {value}: {exc}"
    return None


def _outputs_problem(*outputs: tuple[str | None, str, bool]) -> str | None:
    return next((m for m in (_output_problem(*o) for o in outputs) if m), None)


def _design_value_problem(target: str, value: float) -> str | None:
    if not math.isfinite(value):
        return f"--value must be a finite number (got {value})"
    if target in SHARE_TARGETS and not 0 < value <= 1:
        return f"--value for {target} is a share: give it in (0, 1], e.g. 0.01 for 1% " \
               f"(got {value:g})"
    if target in RETURN_TARGETS and not -1 < value <= 1:
        return f"--value for {target} is a return: give it in (-1, 1], e.g. 0.02 for 2% " \
               f"(got {value:g})"
    return None


def _load(path: str, allow_large: bool = False):
    """A scenario file, or a shipped scenario by name (``finmodel run dormant_deposit_fund``),
    refused (ScenarioError) when its estimated cost is over the CLI's limits unless
    ``allow_large``."""
    from finmodel.cost import CLI_LIMITS, check_cost
    from finmodel.scenario import load_scenario
    from finmodel.shipped import find_scenario

    scenario = load_scenario(find_scenario(path))
    if not allow_large:
        check_cost(scenario, CLI_LIMITS, path)
    return scenario


def _cmd_validate(args: argparse.Namespace) -> int:
    from finmodel.scenario import ScenarioError

    bad = 0
    for file in args.files:
        try:
            scenario = _load(file)
        except ScenarioError as exc:
            bad += 1
            print(exc, file=sys.stderr)
            continue
        print(f"{file}: ok ({scenario.name}; {len(scenario.vehicles)} vehicle(s))")
    if bad:
        print(f"{bad} of {len(args.files)} file(s) invalid", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _print_summary(results) -> None:
    import pandas as pd

    from finmodel.headlines import bundle_headline

    unit = results.scenario.unit
    columns = ["vehicle", "tranche", "provider", "notional", "coupon", "expected_loss",
               "prob_loss", "expected_cash", "irr_p10", "irr_mean", "irr_p90",
               "prob_hurdle_met", "npv", "wal_years", "subsidy"]
    vcols = ["vehicle", "periods", "pool_expected_loss", "vehicle_residual",
             "guarantor_expected_loss", "public_expected_cost", "subsidy",
             "subsidy_to_private", "mobilisation_ratio", "guarantee_multiplier"]
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", "{:,.4f}".format):
        print(f"{results.scenario.name}  (amounts in {unit})")
        if len(results.tranches):
            print("\ncapital stacks:")
            print(results.tranches[columns].to_string(index=False))
            print()
            print(results.vehicles[vcols].to_string(index=False))
        if results.bundle is not None:
            gaps = results.gaps.groupby("stage", sort=False)[
                ["potential_demand", "demand", "supplied", "direct_gap", "lost_pipeline",
                 "total_gap", "served", "partly_served", "rejected", "discouraged",
                 "pending"]].sum()
            print("\nbundle: funding gap by stage, summed over years (means over replications);"
                  "\ntotal gap = potential demand - supplied = direct gap + lost pipeline:")
            print(gaps.to_string())
            print("\nhandoffs:")
            print(results.handoffs[["from_stage", "to_stage", "graduates", "share_funded",
                                    "graduates_potential", "graduates_lost"]]
                  .to_string(index=False))
            b = bundle_headline(results)
            if b is not None:
                print(f"\npublic expected cost {b.public_expected_cost:,.1f}, "
                      f"private money mobilised {b.private_mobilised:,.1f}, "
                      f"mobilisation ratio {b.mobilisation_ratio:.2f}, "
                      f"total gap {b.total_gap:,.1f} of potential demand "
                      f"{b.potential_demand:,.1f} (direct gap {b.direct_gap:,.1f}, "
                      f"lost pipeline {b.lost_pipeline:,.1f})")
            coverage = results.coverage
            holes = coverage[coverage["hole"] & coverage["reached"]]
            if len(holes):
                cells = ", ".join(f"{r.stage}/{r.issue}" for r in holes.itertuples())
                print(f"coverage holes where firms arrive (no provider can lend): {cells}")
        if results.portfolios is not None:
            p = results.portfolios
            cols = ["portfolio", "status", "firms", "money", "public_money", "total_cost",
                    "expected_loss", "loss_p99", "hhi_issue", "core_impact",
                    "spillover_impact", "impact_per_money", "impact_per_public_money"]
            print("\nportfolios (same candidates, budget and limits):")
            print(p.summary[cols].to_string(index=False))
            holes = p.holes[p.holes["status"].str.startswith("hole")]
            if len(holes):
                print("logic-model holes no firm or support covers: "
                      + ", ".join(holes["node"]))
            if len(p.kpis):  # a scenario may track no KPIs
                final = p.kpis.sort_values("year").groupby(["portfolio", "kpi"]).tail(1)
                print("\nKPIs in the last year:")
                print(final[["portfolio", "kpi", "unit", "target", "value", "attainment",
                             "trend"]].to_string(index=False))


def _cmd_run(args: argparse.Namespace) -> int:
    problem = _output_problem(args.out, "--out", folder=True)
    if problem:
        return _refuse(problem)
    from finmodel.run import run
    from finmodel.scenario.changes import with_changes

    scenario = _load(args.file, args.allow_large)
    if args.engine:  # validated like the file: a vehicle that cannot use it is refused
        scenario = with_changes(scenario, {f"vehicles.{v.id}.engine": args.engine
                                           for v in scenario.vehicles},
                                f"{args.file} (--engine {args.engine})")
    results = run(scenario)
    _print_summary(results)
    if args.out:
        written = results.write(args.out)
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return EXIT_OK


def _cmd_design(args: argparse.Namespace) -> int:
    problem = _design_value_problem(args.target, args.value)
    if problem is None and args.guarantee is not None and args.guarantee < 0:
        problem = f"--guarantee must be >= 0 (got {args.guarantee})"
    if problem:
        return _refuse(problem)
    from finmodel.stack.design import Lever, SeniorTarget, design, first_loss_stress

    scenario = _load(args.file, args.allow_large)
    if not scenario.vehicles:
        print(f"{args.file}: the scenario has no vehicles", file=sys.stderr)
        return EXIT_BAD_INPUT
    vehicle = args.vehicle or scenario.vehicles[0].id
    lever = Lever(args.lever)
    subject = args.tranche if lever is Lever.concession else (
        None if args.guarantee is None else str(args.guarantee))
    try:
        answer = design(scenario, vehicle, SeniorTarget(args.target), args.value, lever, subject)
    except ValueError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"vehicle {vehicle}: senior target {args.target} = {args.value:g}")
    if answer.feasible:
        what = {Lever.first_loss: "smallest first-loss size (share of pool exposure)",
                Lever.concession: f"smallest coupon cut on {answer.subject}",
                Lever.guarantee_rate: f"smallest rate of guarantee {answer.subject}",
                Lever.guarantee_cap: f"smallest cap of guarantee {answer.subject}"}[lever]
        print(f"  {what}: {answer.setting:.4%}")
        print(f"  senior {answer.target.column} there: {answer.senior_value:.6g} "
              f"(at the lever's smallest setting: {answer.senior_value_without:.6g})")
    else:
        print(f"  not achievable: {answer.message}")
    print("  first-dollar-loss stress (PD multiple at which each tranche starts to lose):")
    for row in first_loss_stress(scenario, vehicle):
        print(f"    {row.tranche:<20} attach {row.attach:7.2%}  x{row.breakeven_pd_multiple:.3f}")
    return EXIT_OK if answer.feasible else EXIT_TARGET_NOT_MET


def _cmd_close_gap(args: argparse.Namespace) -> int:
    import pandas as pd

    from finmodel.bundle.designer import GapTarget, design_gap_closure
    from finmodel.io import write_table_atomic
    from finmodel.vocabulary import Issue, Stage

    if not (math.isfinite(args.share) and 0 < args.share <= 1):
        print(f"--share must be in (0, 1] (got {args.share})", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.issue is not None and args.issue not in {i.value for i in Issue}:
        print(f"--issue must be one of {', '.join(i.value for i in Issue)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.replications < 2 or (args.validation_replications is not None
                                 and args.validation_replications < 2):
        print("--replications and --validation-replications must be >= 2", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not (math.isfinite(args.confidence) and 0.5 <= args.confidence < 1):
        print(f"--confidence must be in [0.5, 1) (got {args.confidence})", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _outputs_problem((args.out, "--out", False),
                               (args.write_best, "--write-best", False))
    if problem:
        return _refuse(problem)
    if args.out and args.write_best and Path(args.out).resolve() == Path(
            args.write_best).resolve():
        return _refuse("--out and --write-best name the same file")
    scenario = _load(args.file, args.allow_large)
    if not scenario.has_bundle:
        print(f"{args.file}: the scenario has no bundle (pipeline and simulation)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    target = GapTarget(args.share, Stage(args.stage) if args.stage else None,
                       Issue(args.issue) if args.issue else None)
    table = design_gap_closure(scenario, target, replications=args.replications,
                               validation_replications=args.validation_replications,
                               confidence=args.confidence)
    columns = ["design", "value", "holds", "gap_closed", "gap_closed_se", "gap_closed_lower",
               "gap_closed_tuning", "public_expected_cost", "added_public_cost",
               "mobilisation_ratio"]
    with pd.option_context("display.width", 250, "display.max_colwidth", 60,
                           "display.float_format", "{:,.3f}".format):
        print(table[columns].to_string(index=False))
    print(f"gap_closed: share of the total gap closed on fresh replications (the tuning "
          f"share beside it); holds: its lower {args.confidence:.0%} bound meets {args.share}")
    if args.out:
        write_table_atomic(table, Path(args.out))
    holding = table[table["holds"]] if len(table) else table
    if args.write_best:
        if not len(holding):
            print("no design holds: nothing written", file=sys.stderr)
            return EXIT_TARGET_NOT_MET
        from finmodel.bundle.designer import designed_text
        from finmodel.io import write_text_atomic

        best = holding.iloc[0]
        notes = {"name": f"{scenario.name} - design: {best['design']}",
                 "description": (f"{best['design']} = {best['value']:.6g}: closes "
                                 f"{best['gap_closed']:.1%} (lower {args.confidence:.0%} bound "
                                 f"{best['gap_closed_lower']:.1%}) of the total gap on fresh "
                                 "replications")}
        from finmodel.shipped import find_scenario

        source = find_scenario(args.file).read_text(encoding="utf-8")
        # the user's file with the design written in place (comments and layout kept)
        text = designed_text(source, args.file, target, best, notes=notes)
        write_text_atomic(text, Path(args.write_best))
        print(f"wrote {args.write_best}")
    return EXIT_OK if len(holding) else EXIT_TARGET_NOT_MET


def _cmd_batch(args: argparse.Namespace) -> int:
    if args.max_runs < 1:
        return _refuse(f"--max-runs must be >= 1 (got {args.max_runs})")
    if args.workers < 1:
        print("--workers must be >= 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.scheduler and args.backend != "dask":
        print("--scheduler needs --backend dask", file=sys.stderr)
        return EXIT_BAD_INPUT
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _output_problem(args.out, "--out", folder=True)
    if problem:
        return _refuse(problem)
    from finmodel.batch.runner import TooManyRuns, run_batch
    from finmodel.cost import CLI_LIMITS

    try:
        report = run_batch(args.paths, args.out, workers=args.workers, backend=args.backend,
                           scheduler=args.scheduler, resume=args.resume,
                           max_runs=args.max_runs,
                           limits=None if args.allow_large else CLI_LIMITS,
                           announce=lambda text: print(text, file=sys.stderr, flush=True))
    except TooManyRuns as exc:
        return _refuse(f"{exc}\nNarrow or split the sweep, or raise --max-runs.")
    print(f"{len(report.records)} run(s) in {report.seconds:.1f} s: {report.count('ok')} ok, "
          f"{report.count('skipped')} already complete, {report.count('failed')} failed, "
          f"{report.count('invalid')} invalid file(s); results in {report.out}")
    failures = report.failures
    if len(failures):
        print("\nfailures:", file=sys.stderr)
        for row in failures.itertuples():
            print(f"  {row.run_id} ({row.status}): {row.error}", file=sys.stderr)
    if report.count("invalid"):
        return EXIT_BAD_INPUT
    return EXIT_FAILED if report.count("failed") else EXIT_OK


def _cmd_results(args: argparse.Namespace) -> int:
    import pandas as pd

    problem = _output_problem(args.csv, "--csv", folder=True)
    if problem:
        return _refuse(problem)
    from finmodel.batch.store import StoreError, read_store
    from finmodel.io import write_table_atomic

    try:
        manifest, tables = read_store(args.folder)
    except (FileNotFoundError, StoreError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = manifest["status"].value_counts().to_dict()
    print(f"{args.folder}: {len(manifest)} run(s): "
          + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
          + f"; {manifest['seconds'].sum():.1f} s of run time")
    version = manifest["version_finmodel"].iloc[0] if "version_finmodel" in manifest else "?"
    print(f"finmodel {version}; sources: {', '.join(sorted(manifest['source'].unique()))}")
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        bad = manifest[manifest["status"].isin(["failed", "invalid"])]
        if len(bad):
            print("\nfailures:")
            print(bad[["run_id", "status", "error"]].to_string(index=False))
        print("\ntables:")
        for kind, table in tables.items():
            print(f"  {kind:<18} {len(table):7,} rows, {table['run_id'].nunique():5,} runs")
    if args.csv:
        for kind, table in tables.items():
            write_table_atomic(table, Path(args.csv) / f"{kind}.csv")
        write_table_atomic(manifest, Path(args.csv) / "manifest.csv")
        print(f"\nwrote CSV files to {args.csv}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from finmodel.run import run
    from finmodel.ui.export import (
        ExportError,
        Renderer,
        export_charts,
        export_paper,
        find_browser,
        write_workbook,
    )

    if not args.out and not args.charts and not args.xlsx:
        print("give --out PAPER.pdf, --charts DIR and/or --xlsx FILE.xlsx", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _outputs_problem((args.out, "--out", False), (args.charts, "--charts", True),
                               (args.xlsx, "--xlsx", False))
    if problem:
        return _refuse(problem)
    try:
        if args.out or args.charts:
            find_browser()  # before the run: a missing browser fails in seconds
        results = run(_load(args.file, args.allow_large))
        if args.xlsx:
            print(f"wrote {write_workbook(results, args.lang, Path(args.xlsx))}")
        if not (args.out or args.charts):
            return EXIT_OK
        renderer = Renderer()
        try:
            if args.out:
                path = export_paper(results, args.lang, Path(args.out), renderer, args.author)
                print(f"wrote {path}")
            if args.charts:
                paths = export_charts(results, args.lang, Path(args.charts), args.format,
                                      renderer)
                print(f"wrote {len(paths)} chart(s) to {args.charts}")
        finally:
            renderer.close()
    except ExportError as exc:  # no browser, or it hung: exit 1 with what to install
        print(f"finmodel export: {exc.message('en')}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    problem = _output_problem(args.out, "--out", folder=False)
    if problem:
        return _refuse(problem)
    from finmodel.io import write_text_atomic
    from finmodel.scenario.model import Scenario

    text = json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        write_text_atomic(text, Path(args.out))
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_app(args: argparse.Namespace) -> int:
    from finmodel.ui.app_factory import create_app

    if args.workspace is not None and Path(args.workspace).exists() \
            and not Path(args.workspace).is_dir():
        print(f"finmodel app: --workspace {args.workspace} is a file, not a folder",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    create_app(default=args.scenario, results_root=args.results_root,
               workspace=args.workspace).run(
        host=args.host, port=args.port, debug=args.debug)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``finmodel`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    from finmodel.scenario import ScenarioError

    handlers = {"validate": _cmd_validate, "run": _cmd_run, "design": _cmd_design,
                "close-gap": _cmd_close_gap, "batch": _cmd_batch, "results": _cmd_results,
                "export": _cmd_export, "schema": _cmd_schema, "app": _cmd_app}
    try:
        return handlers[args.command](args)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more reaches the closed pipe
        return EXIT_PIPE_CLOSED
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"finmodel: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
