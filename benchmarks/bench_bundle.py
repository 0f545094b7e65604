"""Bundle simulation speed: firm-years per second, overhead against bare simpy, scaling.

A 10-year region with about 5,000 firms (fixed arrivals, so every size is exact) and 12
providers (banks, credit unions, VC, crowdfunding, hometown tax, a municipality, policy
finance, a development bank, a guarantee corporation and an accelerator) with three
facilities, 100 replications.

* firm-years per second of the whole simulation (arrivals, asks, allocation, ledgers);
* what the counterfactual (every round funded in full: the potential demand) costs on
  top of the run alone (goal: at most 60%);
* the same simpy events in a bare loop (as many processes as firms, each waiting a year at
  a time, as many waits as the runs had: firm-years and retried asks), measured in the
  same run: the ratio is our overhead per event (goal: at most 3x). Our runs pause the
  cyclic garbage collector; the bare loop is timed as a user would write it (collector
  on) and, like for like, with it paused;
* time at 1k, 2k, 4k and 8k firms per replication; the exponent of a log-log fit
  (1 = linear).

Run: ``python -m benchmarks.bench_bundle [--replications N]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

from finmodel.bundle import simulate_ledgers
from finmodel.bundle.simulation import STATUS, BundleRun, Ledgers, collector_paused
from finmodel.scenario.model import Scenario

YEARS = 10
ISSUES = ("people_and_work", "environment", "health", "education")


def region(firms: int, replications: int) -> Scenario:
    """A scenario in which ``firms`` firms arrive over the years (spread over 4 issues)."""
    per_year = firms / YEARS
    seed_rate, early_rate = 0.7 * per_year / len(ISSUES), 0.3 * per_year / len(ISSUES)
    scale = firms / 5000
    def lender(pid: str, ptype: str, stages: list[str], budget: float, tmin: float, tmax: float,
               limit: float | None, rate: float, instrument: str = "senior_loan") -> dict:
        out = {"id": pid, "type": ptype, "instruments": [instrument], "stages": stages,
               "annual_budget": budget * scale, "ticket": {"min": tmin, "max": tmax}, "rate": rate}
        if limit is not None:
            out["max_expected_loss"] = limit
        return out
    providers = [
        lender("bank_a", "regional_bank", ["middle", "later"], 40000, 30, 2000, 0.02, 0.018),
        lender("bank_b", "regional_bank", ["middle", "later"], 25000, 30, 1500, 0.02, 0.019),
        lender("shinkin_a", "credit_union", ["early", "middle"], 8000, 10, 200, 0.035, 0.022),
        lender("shinkin_b", "credit_union", ["early", "middle"], 6000, 10, 200, 0.035, 0.023),
        lender("vc", "venture_capital", ["seed", "early"], 5000, 10, 100, None, 0.0, "equity"),
        lender("crowd", "crowdfunding", ["seed"], 1500, 1, 10, None, 0.0, "equity"),
        lender("furusato", "hometown_tax", ["seed"], 800, 1, 5, None, 0.0, "grant"),
        lender("city", "municipality", ["seed"], 1000, 1, 10, None, 0.0, "grant"),
        lender("jfc", "policy_finance", ["early", "middle"], 6000, 10, 300, None, 0.012,
               "capital_type_loan"),
        lender("dbj", "development_bank", ["later"], 8000, 50, 500, None, 0.01,
               "subordinated_loan"),
        {"id": "cgc", "type": "credit_guarantee_corporation"},
        {"id": "accelerator", "type": "accelerator",
         "support": {"stages": ["seed"], "pd_multiplier": 0.8, "graduation_multiplier": 1.3,
                     "cost_per_firm": 3, "capacity": max(int(50 * scale), 1)}},
    ]
    return Scenario.model_validate({
        "name": "benchmark region", "seed": 1,
        "simulation": {"years": YEARS, "replications": replications},
        "pipeline": {
            "stages": {
                "seed": {"need": {"median": 15, "p90": 40}, "annual_pd": 0.2, "graduation": 0.35, "max_years": 3},
                "early": {"need": {"median": 80, "p90": 200}, "annual_pd": 0.1, "graduation": 0.3, "max_years": 4},
                "middle": {"need": {"median": 300, "p90": 800}, "annual_pd": 0.05, "graduation": 0.2, "max_years": 5},
                "later": {"need": {"median": 1000, "p90": 3000}, "annual_pd": 0.02, "graduation": 0.15, "max_years": 5},
            },
            "arrivals": {"seed": dict.fromkeys(ISSUES, seed_rate),
                         "early": dict.fromkeys(ISSUES, early_rate)},
            "arrival_process": "fixed"},
        "providers": providers,
        "facilities": [
            {"id": "guarantee", "kind": "guarantee", "provider": "cgc", "rate": 0.8, "cap": 0.5,
             "budget": 20000 * scale, "stages": ["early", "middle"]},
            {"id": "first_loss", "kind": "first_loss", "provider": "city", "share": 0.3,
             "budget": 5000 * scale},
            {"id": "concessional", "kind": "concessional", "provider": "jfc", "rate": 0.005,
             "share": 0.3, "pd_multiplier": 0.8, "budget": 8000 * scale},
        ],
    })


def bare_simpy(replications: int, steps_each: list[int]) -> float:
    """Seconds for simpy to run, in each of ``replications`` environments, processes that
    only wait a year at a time (``steps_each`` gives each process's number of waits)."""
    def waiter(env: simpy.Environment, steps: int):  # type: ignore[no-untyped-def]
        for _ in range(steps):
            yield env.timeout(1)

    start = time.perf_counter()
    for _ in range(replications):
        env = simpy.Environment()
        for steps in steps_each:
            env.process(waiter(env, steps))
        env.run()
    return time.perf_counter() - start


def waits(ledgers: Ledgers) -> int:
    """The simpy waits of a run: one per firm-year, and one per rejected ask that is tried
    again the next year (every rejection but the last of a discouraged round)."""
    retried = ledgers.status[STATUS.index("rejected")].sum() \
        - ledgers.status[STATUS.index("discouraged")].sum()
    return ledgers.firm_years + int(retried)


def timed(scenario: Scenario, replications: int) -> tuple[float, int, int, int]:
    """Seconds for the runs with their counterfactuals; firm-years, firms and waits."""
    start = time.perf_counter()
    ledgers = simulate_ledgers(scenario, replications)
    seconds = time.perf_counter() - start
    return (seconds, sum(lg.firm_years for lg in ledgers), sum(lg.firms for lg in ledgers),
            sum(waits(lg) for lg in ledgers))


def run_alone_and_counterfactual(scenario: Scenario, replications: int) -> tuple[float, float]:
    """Seconds for the runs alone, and for their counterfactuals alone (best of 2)."""
    best_run = best_cf = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for r in range(replications):
            BundleRun(scenario, r).run()
        best_run = min(best_run, time.perf_counter() - start)
        start = time.perf_counter()
        for r in range(replications):
            BundleRun(scenario, r, counterfactual=True).run_counterfactual()
        best_cf = min(best_cf, time.perf_counter() - start)
    return best_run, best_cf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=100)
    args = parser.parse_args()
    scenario = region(5000, args.replications)
    seconds, firm_years, firms, all_waits = timed(scenario, args.replications)
    print(f"10-year region, {firms / args.replications:,.0f} firms and "
          f"{len(scenario.providers)} providers, {args.replications} replications")
    print(f"  {seconds:.2f} s with counterfactuals, {firm_years:,} firm-years: "
          f"{firm_years / seconds:,.0f} firm-years/s")
    alone, counterfactual = run_alone_and_counterfactual(scenario, min(args.replications, 20))
    print(f"  counterfactual on top of the run alone ({min(args.replications, 20)} replications): "
          f"{alone:.2f} s + {counterfactual:.2f} s = +{counterfactual / alone:.0%} (goal: <= 60%)")
    seconds = alone * args.replications / min(args.replications, 20)  # the run alone, scaled
    # The same number of processes and yearly events, with nothing done in them.
    reps = args.replications
    per_rep, waits_per_rep = firms // reps, all_waits // reps
    rng = np.random.default_rng(0)
    steps = rng.multinomial(waits_per_rep, np.full(per_rep, 1 / per_rep))
    bare = min(bare_simpy(reps, list(steps)) for _ in range(3))  # best of 3, like the runs
    print(f"  bare simpy, {reps} environments of {per_rep:,} processes and "
          f"{int(steps.sum()):,} waits each: {bare:.2f} s; our overhead {seconds / bare:.1f}x")
    with collector_paused():  # like for like: our runs pause the cyclic collector
        paused = min(bare_simpy(reps, list(steps)) for _ in range(3))
    print(f"  the same bare simpy with the collector paused as our runs do: {paused:.2f} s; "
          f"our overhead {seconds / paused:.1f}x")
    sizes = [1000, 2000, 4000, 8000]
    reps = 10
    times, work = [], []
    for size in sizes:
        t, fy, n, w = min(timed(region(size, reps), reps) for _ in range(2))  # best of 2
        bare_t = bare_simpy(reps, list(rng.multinomial(w // reps, np.full(n // reps,
                                                                           reps / n))))
        times.append(t)
        work.append(fy)
        print(f"  {n / reps:6,.0f} firms x {reps} replications: {t:6.2f} s, {fy:,} firm-years, "
              f"{fy / t:,.0f} firm-years/s (bare simpy on as many events: {bare_t:.2f} s)")
    exponent = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    per_year = np.polyfit(np.log(work), np.log(times), 1)[0]
    print(f"  time grows as firms^{exponent:.2f} and as firm-years^{per_year:.2f} "
          f"(goal: 1, linear)")


if __name__ == "__main__":
    main()
