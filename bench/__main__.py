"""`python -m bench [NAME ...]`: run the named benchmarks (default: all), one after another.

Each prints its own figures and its ratios against the baseline it names:

- engine:   continuous batching vs one-at-a-time vs HF generate with static padding
- batching: 16 concurrent streamed chats through /v1 (uvicorn + a real inference worker,
            the default model) vs the same requests one at a time
- gateway:  our /v1 path vs the LiteLLM proxy, and with the policy layer off
- finetune: our packing LoRA trainer vs HF Trainer + PEFT
- forums:   topic list and a 500-reply thread under 10 concurrent readers (100k threads)
- activity: what recording an activity adds to a request's transaction, and consumer throughput
- first_call: a new visitor in headless Chromium, from the home page to a successful first call
- rewards:  leaderboards and a profile under 10 readers (100k members, 5M ledger entries) vs summing
            the ledger, and activities awarded per second through the real consumer vs storing alone

Options after `--` go to every benchmark (e.g. `python -m bench engine -- --repeats 3`).
"""

import subprocess
import sys

BENCHMARKS = ["engine", "batching", "gateway", "finetune", "forums", "activity", "first_call", "rewards"]


def main() -> None:
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1 :]
        args = args[: args.index("--")]
    names = args or BENCHMARKS
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    failed = []
    for name in names:
        print(f"\n===== bench.{name} =====", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}", *extra]).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
