#!/usr/bin/env python3
"""PyTorch reference for codeloop's GPT-2 training, in the way of llm.c's test_gpt2: a tiny
random GPT-2 from HF transformers, a fixed batch, its logits, loss and every parameter's
gradient, then the losses of 10 AdamW steps (decoupled weight decay on matrices only, gradient
clipping at norm 1.0), and the weights after them.

Writes Tests/TrainingTests/Fixtures/gpt2-train/ (config.json, model.safetensors),
reference.json (batch, loss, losses, hyper-parameters) and reference.safetensors (logits,
"grad.<name>" and "final.<name>" per parameter). Needs python3-torch and transformers 4.40 in a
venv with system site packages (../shared/RECIPES.md). No download: the model is random.

    /tmp/ref-venv/bin/python scripts/make_training_fixtures.py
"""
import json
import os

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

from repo_paths import ROOT  # noqa: E402
OUT = os.path.join(ROOT, "Tests", "TrainingTests", "Fixtures")
B, T, VOCAB = 2, 12, 96
HYPER = {"learning_rate": 1e-2, "beta1": 0.9, "beta2": 0.95, "epsilon": 1e-8, "weight_decay": 0.1, "clip": 1.0, "steps": 10}


def main():
    torch.manual_seed(42)
    config = GPT2Config(n_layer=2, n_head=4, n_embd=32, vocab_size=VOCAB, n_positions=16,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT2LMHeadModel(config)
    # Non-trivial LayerNorm and bias values, so that their gradients are exercised.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(os.path.join(OUT, "gpt2-train"), safe_serialization=True)

    g = torch.Generator().manual_seed(7)
    tokens = torch.randint(0, VOCAB, (B, T + 1), generator=g)
    inputs, targets = tokens[:, :-1].clone(), tokens[:, 1:].clone()
    targets[0, :3] = -1  # masked positions (a Codex-S prompt): no loss there
    targets[1, 5] = -1

    def loss_of(logits):
        return torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-1)

    model.train()
    logits = model(inputs).logits
    loss = loss_of(logits)
    loss.backward()
    names = [n for n, _ in model.named_parameters()]  # lm_head.weight is tied to wte and not listed twice
    tensors = {"logits": logits.detach().contiguous()}
    for name, p in model.named_parameters():
        tensors["grad." + name] = p.grad.detach().clone().contiguous()

    model.zero_grad()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": HYPER["weight_decay"]},
                                   {"params": rest, "weight_decay": 0.0}],
                                  lr=HYPER["learning_rate"], betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["epsilon"])
    losses, norms = [], []
    for _ in range(HYPER["steps"]):
        optimizer.zero_grad()
        loss_step = loss_of(model(inputs).logits)
        loss_step.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), HYPER["clip"])))
        optimizer.step()
        losses.append(float(loss_step))
    for name, p in model.named_parameters():
        tensors["final." + name] = p.detach().clone().contiguous()
    save_file(tensors, os.path.join(OUT, "reference.safetensors"))
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"inputs": inputs.tolist(), "targets": targets.tolist(), "loss": float(loss), "losses": losses,
                   "grad_norms": norms, "parameters": names, "hyper": HYPER,
                   "torch": torch.__version__}, f, indent=1)
    print("loss", float(loss), "losses", losses)


if __name__ == "__main__":
    main()
