"""The `citysteward` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citysteward", description="城市管家 citysteward")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="start the whole stack (what `make run` calls)")
    serve = commands.add_parser("serve", help="run one service in the foreground (used by the Procfile)")
    serve.add_argument("service", choices=["rasa", "actions", "platform", "gateway"])
    serve.add_argument("--model", type=Path, help="model file for rasa (default: newest in models/)")
    serve.add_argument("--port", type=int, help="port (default: $<SERVICE>_PORT, e.g. $GATEWAY_PORT)")

    platform = commands.add_parser("platform", help="the case platform").add_subparsers(
        dest="platform_command", required=True
    )
    platform.add_parser("migrate", help="bring the database ($DATABASE_URL) to the newest schema")

    chat = commands.add_parser("chat", help="talk to the running bot in this terminal")
    chat.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))

    nlu = commands.add_parser("nlu", help="natural-language understanding").add_subparsers(
        dest="nlu_command", required=True
    )
    parse = nlu.add_parser("parse", help="parse texts (arguments, or one per line on stdin) to JSON lines")
    parse.add_argument("texts", nargs="*")
    parse.add_argument("--rasa-url", help="Rasa server to use (default: $RASA_URL if it answers)")
    parse.add_argument("--local", action="store_true", help="load the model here even if a server runs")

    evaluate = commands.add_parser("eval", help="print evaluation figures").add_subparsers(
        dest="eval_command", required=True
    )
    eval_nlu = evaluate.add_parser("nlu", help="NLU figures on the held-out split (tests/nlu_heldout)")
    eval_nlu.add_argument("--rasa-url", help="evaluate a running server (default: start one)")
    evaluate.add_parser("waste", help="waste-sorting accuracy and lookup latency (tests/waste_heldout)")
    evaluate.add_parser(
        "category-strategies",
        help="train the alternative to the ResponseSelector (one DIET intent per category) and compare",
    )

    bench = commands.add_parser("bench", help="print speed figures").add_subparsers(
        dest="bench_command", required=True
    )
    bench_platform = bench.add_parser("platform", help="create-case latency and filtering 100,000 cases")
    bench_platform.add_argument(
        "--database-url", help="benchmark this database (default: a fresh SQLite file)"
    )
    bench.add_parser(
        "gateway", help="turn latency with 1 and 100 concurrent Telegram chats, sustained messages/s"
    )

    waste = commands.add_parser("waste", help="waste sorting").add_subparsers(
        dest="waste_command", required=True
    )
    lookup = waste.add_parser(
        "lookup", help="which bin? one JSON line per query (arguments, or one per line on stdin)"
    )
    lookup.add_argument("queries", nargs="*")
    lookup.add_argument("--city", help="city key or name (default: $CITY, else jiangmen)")
    lookup.add_argument("--local", action="store_true", help="skip the platform's learned items")

    knowledge = commands.add_parser("knowledge", help="maintain the knowledge data").add_subparsers(
        dest="knowledge_command", required=True
    )
    build = knowledge.add_parser("build", help="regenerate knowledge/jieba/ and nlu/lookups/ from knowledge/")
    build.add_argument("--check", action="store_true", help="fail if the files are not up to date")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "run":
        from citysteward.stack import run

        run()
    elif args.command == "serve":
        from citysteward.stack import serve

        serve(args.service, args.model, args.port)
    elif args.command == "platform":
        from cityplatform.admin import migrate

        migrate()
    elif args.command == "chat":
        from bot.terminal import chat

        asyncio.run(chat(args.rasa_url))
    elif args.command == "nlu":
        from citysteward.nlu.parse import NluError
        from citysteward.nlu.parse import run as parse_run

        try:
            parse_run(args.texts, args.rasa_url, os.environ.get("RASA_AUTH_TOKEN"), args.local)
        except NluError as error:
            sys.exit(str(error))
    elif args.command == "bench":
        if args.bench_command == "gateway":
            from citysteward.benchmarks.gateway import main as bench_gateway

            bench_gateway()
        else:
            from citysteward.benchmarks.platform import main as bench_main

            bench_main(args.database_url)
    elif args.command == "eval":
        if args.eval_command == "nlu":
            from citysteward.evaluation.nlu import main as eval_main

            eval_main(args.rasa_url)
        elif args.eval_command == "waste":
            from citysteward.evaluation.waste import main as eval_waste

            eval_waste()
        else:
            from citysteward.evaluation.category_strategies import main as compare_main

            compare_main()
    elif args.command == "waste":
        from citysteward.waste import run as waste_lookup

        waste_lookup(args.queries, args.city, args.local)
    elif args.command == "knowledge":
        from knowledge.generated import stale_files, write_generated

        if args.check:
            stale = sorted(str(p) for p in stale_files())
            if stale:
                sys.exit(f"generated files are out of date ({', '.join(stale)}): run `make knowledge`.")
            print("generated files are up to date")
        else:
            written = write_generated()
            print("written: " + (", ".join(str(p) for p in written) if written else "nothing (up to date)"))


if __name__ == "__main__":
    main()
