"""Data-parallel training across processes (``torchrun``): who this process is, the process group, and
the few collective decisions the training loop must take together.

``torchrun --nproc_per_node N -m latentcomposer train --config NAME`` starts N copies of the training
command with ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``/``MASTER_ADDR``/``MASTER_PORT`` set; :func:`from_env`
reads them and :func:`init` joins the group: NCCL when the processes train on CUDA GPUs (one GPU per
process, ``cuda:LOCAL_RANK``), gloo on CPUs. With ``WORLD_SIZE`` unset or 1, nothing here runs and
training is the single-process code path, unchanged.

Every rank must take the same number of optimizer steps, or the next gradient all-reduce waits for a
rank that already left. Decisions a rank makes from its own clock or signals (time to validate, to
checkpoint, to stop) therefore go through :func:`agree`: a MAX all-reduce, so when any rank says yes all
do, at the same step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        """Rank 0: the one that logs, validates, exports the best weights and writes checkpoints."""
        return self.rank == 0


SINGLE = DistInfo()


def from_env() -> DistInfo:
    """This process's place in a ``torchrun`` launch (``SINGLE`` outside one)."""
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world <= 1:
        return SINGLE
    return DistInfo(int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0")))


def device_for(info: DistInfo, device: torch.device) -> torch.device:
    """Each process its own GPU (``cuda:LOCAL_RANK``); CPUs are shared."""
    if info.active and device.type == "cuda":
        torch.cuda.set_device(info.local_rank)
        return torch.device("cuda", info.local_rank)
    return device


def init(info: DistInfo, device: torch.device) -> None:
    """Join the process group (NCCL on CUDA, gloo on CPU); torchrun's environment says where."""
    if info.active and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, rank=info.rank, world_size=info.world)


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.active:
        dist.barrier()


def agree(info: DistInfo, flags: list[bool], device: torch.device) -> list[bool]:
    """Each flag true on every rank if it is true on any rank."""
    if not info.active:
        return flags
    t = torch.tensor([int(f) for f in flags], dtype=torch.int32, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return [bool(v) for v in t.tolist()]
