"""The ``fusionzoo`` command line (also ``python -m fusionzoo``).

::

    fusionzoo list [--task T] [--pretrained] [--pattern P]
    fusionzoo info NAME
    fusionzoo run NAME --<modality> FILE ... -o OUT.tif      # any task: the inputs its models declare
    fusionzoo pansharpen (--sample | --pan PAN.tif --ms MS.tif) [--model NAME] ... -o OUT.tif
    fusionzoo benchmark TASK [...]
    fusionzoo publish NAME --out DIR [--push --org ORG --token TOKEN]
    fusionzoo export-weights CKPT OUT
    fusionzoo finetune MODEL --pan P.tif --ms M.tif [--steps N] [--resume] -o DIR
    fusionzoo convert dlpan CHECKPOINT --arch NAME --sensor SENSOR -o DIR [--ratio R]
    fusionzoo --version

Commands that depend on a task (``run``, a task's shorthand such as ``pansharpen``, ``benchmark``) ask the task
object (:mod:`fusionzoo.tasks`) for their options and their work.  Every error ends as one line on stderr
(``fusionzoo: error: ...``) and exit status 2, and leaves no output file behind; ``--debug`` (before the
command) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Sequence

from ..cards import README_MARKERS, models_markdown, update_readme
from ..tasks import get_task, list_tasks
from .errors import CLIError, Parser, one_line
from .models import cmd_info, cmd_list
from .weights import CONVERT_DLPAN_HELP, add_finetune_parser, cmd_convert_dlpan, cmd_export_weights, cmd_publish

__all__ = ["main", "CLIError", "models_markdown", "update_readme", "README_START", "README_END", "HELDOUT_START",
           "HELDOUT_END"]

PROG = "fusionzoo"
README_START, README_END = README_MARKERS["models"]
HELDOUT_START, HELDOUT_END = README_MARKERS["heldout"]


def cmd_run(args: argparse.Namespace) -> int:
    """``fusionzoo run NAME ...``: the model's task reads the rest of the command line and does the work."""
    from ..registry import get_arch

    cfg = get_arch(args.name).cfg
    task = get_task(cfg.task)
    p = Parser(prog=f"{PROG} run {args.name}",
               description=f"Run {args.name} ({task.title.lower()}: {task.output}) on files.")
    task.add_run_arguments(p, cfg.inputs)
    return task.run_cli(args.name, p.parse_args(args.rest))


def _shorthand(task_name: str):
    def run(args: argparse.Namespace) -> int:
        return get_task(task_name).run_cli(args.model, args)
    return run


def _benchmark(task_name: str):
    def run(args: argparse.Namespace) -> int:
        return get_task(task_name).benchmark_cli(args)
    return run


def _version() -> str:
    from .. import __version__

    return f"{PROG} {__version__}"


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="fusionzoo: a PyTorch model zoo for remote-sensing data fusion.")
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    s = sub.add_parser("list", help="list the models", description="Table of every registered model.")
    s.add_argument("--task", choices=list_tasks(), help="only models of this task")
    s.add_argument("--pretrained", action="store_true", help="only models with pretrained weights")
    s.add_argument("--pattern", help="shell wildcard on the name, e.g. 'pnn*'")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("info", help="describe a model and its weights",
                       description="Paper, summary, inputs and every set of weights of a model.")
    s.add_argument("name", metavar="NAME", help="arch or arch.tag")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("run", help="run any model on files (`fusionzoo run NAME -h` lists its inputs)",
                       description="Run a model on files: the options after NAME are those of its task, one "
                                   "--<modality> FILE per input (see `fusionzoo run NAME -h`).", add_help=True)
    s.add_argument("name", metavar="NAME", help="arch or arch.tag")
    s.add_argument("rest", nargs=argparse.REMAINDER, help="the task's options")
    s.set_defaults(func=cmd_run)

    for name in list_tasks():
        task = get_task(name)
        if task.shorthand:
            s = sub.add_parser(task.shorthand, help=task.shorthand_help, description=task.shorthand_help)
            s.add_argument("--model", default=task.default_model, metavar="NAME",
                           help=f"model (arch or arch.tag; learned models use their pretrained weights); "
                                f"default: {task.default_model}")
            task.add_run_arguments(s, task.input_names)
            s.set_defaults(func=_shorthand(name))

    s = sub.add_parser("benchmark", help="benchmark a task's methods on real data",
                       description="Benchmark a task's methods by its protocol and write Markdown + CSV tables.")
    bench = s.add_subparsers(dest="task", metavar="TASK", parser_class=Parser)
    bench.required = True
    for name in list_tasks():
        task = get_task(name)
        b = bench.add_parser(name, help=f"{task.title}: {task.benchmark_summary}",
                             description=task.benchmark_description or task.benchmark_summary)
        task.add_benchmark_arguments(b)
        b.set_defaults(func=_benchmark(name))

    _weights_commands(sub)
    return p


def _weights_commands(sub) -> None:
    s = sub.add_parser("publish", help="write (and push) a model's Hugging Face Hub folder",
                       description="Write the Hub folder (model.safetensors, config.json, README.md) of a set "
                                   "of weights and, with --push, upload it.")
    s.add_argument("name", metavar="NAME", help="arch.tag (or arch for its default weights)")
    s.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    s.add_argument("--push", action="store_true", help="also upload to the Hugging Face Hub")
    s.add_argument("--org", default=None, help="Hub organisation (default: the record's)")
    s.add_argument("--token", default=None,
                   help="Hub token (default: HF_TOKEN or the `huggingface-cli login` token)")
    s.set_defaults(func=cmd_publish)

    s = sub.add_parser("export-weights", help="write the model weights of a training checkpoint as safetensors",
                       description="Extract the model's weights from a Lightning checkpoint of train.py (read "
                                   "with weights_only=True: no code runs) into model.safetensors.")
    s.add_argument("checkpoint", metavar="CKPT", help="a .ckpt file written by train.py")
    s.add_argument("out", metavar="OUT", help="a folder for model.safetensors + config.json (or a .safetensors "
                                              "file, described in its header)")
    s.add_argument("--tag", default="finetuned", help="name of the weights in their record (default finetuned)")
    s.set_defaults(func=cmd_export_weights)
    add_finetune_parser(sub)

    s = sub.add_parser("convert", help="convert third-party checkpoints into fusionzoo weights folders",
                       description="Convert third-party checkpoints into fusionzoo weights folders, without "
                                   "running code from them.")
    conv = s.add_subparsers(dest="source", metavar="SOURCE", parser_class=Parser)
    conv.required = True
    c = conv.add_parser("dlpan", help="a DLPan-Toolbox checkpoint (GPL-3.0: for your own use)",
                        description=CONVERT_DLPAN_HELP)
    c.add_argument("checkpoint", metavar="CHECKPOINT", help="the .pth / .pth.tar file")
    c.add_argument("--arch", required=True, metavar="NAME",
                   help="architecture: pnn, apnn, pannet, dicnn, msdcnn, drpnn, fusionnet or bdpn")
    c.add_argument("--sensor", required=True, metavar="SENSOR",
                   help="sensor the checkpoint was trained on (WV3, WV2, QB, WV4, ...); gives the band names")
    c.add_argument("--ratio", type=int, default=4, help="resolution ratio (default: 4, as every DLPan file)")
    c.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write")
    c.set_defaults(func=cmd_convert_dlpan)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 error)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # -h, --version (0) or a usage error (2), already printed
        return int(e.code or 0)
    try:
        return int(args.func(args) or 0)
    except SystemExit as e:  # a task's own parser (run NAME -h, or a usage error there)
        return int(e.code or 0)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - every error is one line unless --debug
        if args.debug or os.environ.get("FUSIONZOO_DEBUG"):
            traceback.print_exc()
        print(f"{PROG}: error: {one_line(e)}", file=sys.stderr)
        return 2
