"""The `citysteward` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citysteward", description="城市管家 citysteward")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="start the whole stack (what `make run` calls)")
    serve = commands.add_parser("serve", help="run one service in the foreground (used by the Procfile)")
    serve.add_argument("service", choices=["rasa", "actions"])

    chat = commands.add_parser("chat", help="talk to the running bot in this terminal")
    chat.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))

    nlu = commands.add_parser("nlu", help="natural-language understanding").add_subparsers(
        dest="nlu_command", required=True
    )
    parse = nlu.add_parser("parse", help="parse texts (arguments, or one per line on stdin) to JSON lines")
    parse.add_argument("texts", nargs="*")
    parse.add_argument("--rasa-url", help="use a running Rasa server instead of loading the model")

    evaluate = commands.add_parser("eval", help="print evaluation figures").add_subparsers(
        dest="eval_command", required=True
    )
    eval_nlu = evaluate.add_parser("nlu", help="NLU figures on the held-out split (tests/nlu_heldout)")
    eval_nlu.add_argument("--rasa-url", help="evaluate a running server (default: start one)")

    knowledge = commands.add_parser("knowledge", help="maintain the knowledge data").add_subparsers(
        dest="knowledge_command", required=True
    )
    build = knowledge.add_parser("build-dictionary", help="regenerate knowledge/jieba/ from knowledge/")
    build.add_argument("--check", action="store_true", help="fail if the files are not up to date")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "run":
        from citysteward.stack import run

        run()
    elif args.command == "serve":
        from citysteward.stack import serve

        serve(args.service)
    elif args.command == "chat":
        from bot.terminal import chat

        asyncio.run(chat(args.rasa_url))
    elif args.command == "nlu":
        from citysteward.nlu.parse import NluError
        from citysteward.nlu.parse import run as parse_run

        try:
            parse_run(args.texts, args.rasa_url, os.environ.get("RASA_AUTH_TOKEN"))
        except NluError as error:
            sys.exit(str(error))
    elif args.command == "eval":
        from citysteward.evaluation.nlu import main as eval_main

        eval_main(args.rasa_url)
    elif args.command == "knowledge":
        from knowledge.dictionary import stale_files, write_dictionary

        if args.check:
            stale = sorted(stale_files())
            if stale:
                sys.exit(f"knowledge/jieba is out of date ({', '.join(stale)}): run `make dictionary`.")
            print("knowledge/jieba is up to date")
        else:
            changed = write_dictionary()
            print(f"knowledge/jieba: {', '.join(changed) if changed else 'no changes'}")


if __name__ == "__main__":
    main()
