"""Normalise LiteLLM's cost map (one flat JSON object keyed by model string).

Prices are USD per token and become USD per 1M tokens.  ``*_above_<N>k_tokens``
fields become context tiers.  LiteLLM has no display name, release date,
knowledge cutoff or open-weights field: those stay unknown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .common import BadValue, Report, iso_date, price, tokens

NAME = "LiteLLM"
REPO_URL = "https://github.com/BerriAI/litellm"
MODES = {"chat", "completion", "responses"}

# LiteLLM's provider names, mapped to models.dev provider ids where the two name the same service.
PROVIDERS = {
    "openai": "openai", "text-completion-openai": "openai", "chatgpt": "openai",
    "anthropic": "anthropic", "gemini": "google", "vertex_ai-language-models": "google-vertex",
    "vertex_ai": "google-vertex", "vertex_ai-anthropic_models": "google-vertex-anthropic",
    "azure": "azure", "azure_text": "azure", "azure_ai": "azure-cognitive-services",
    "bedrock": "amazon-bedrock", "bedrock_converse": "amazon-bedrock", "bedrock_mantle": "amazon-bedrock",
    "mistral": "mistral", "codestral": "mistral", "text-completion-codestral": "mistral",
    "deepseek": "deepseek", "xai": "xai", "groq": "groq", "cerebras": "cerebras", "fireworks_ai": "fireworks-ai",
    "together_ai": "togetherai", "deepinfra": "deepinfra", "novita": "novita-ai", "perplexity": "perplexity",
    "nebius": "nebius", "databricks": "databricks", "github_copilot": "github-copilot", "cohere": "cohere",
    "cohere_chat": "cohere", "moonshot": "moonshotai", "minimax": "minimax", "zai": "zai", "dashscope": "alibaba",
    "snowflake": "snowflake-cortex", "cloudflare": "cloudflare-workers-ai", "ovhcloud": "ovhcloud",
    "scaleway": "scaleway", "baseten": "baseten", "wandb": "wandb", "morph": "morph", "aihubmix": "aihubmix",
    "vercel_ai_gateway": "vercel", "v0": "v0", "inception": "inception", "xiaomi_mimo": "xiaomi",
    "sarvam": "sarvam", "friendliai": "friendli", "meta_llama": "llama", "gmi": "gmicloud",
    "opencode_go": "opencode-go", "lambda_ai": "lambda-ai", "sambanova": "sambanova", "hyperbolic": "hyperbolic",
}
_TIER_FIELD = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)"
                         r"_above_(\d+)k_tokens$")
_TIER_KEYS = {"input_cost_per_token": "input", "output_cost_per_token": "output",
              "cache_read_input_token_cost": "cache_read"}
CAPABILITIES = {"supports_function_calling": "tool_use", "supports_response_schema": "structured_output",
                "supports_reasoning": "reasoning", "supports_vision": "vision",
                "supports_computer_use": "computer_use", "supports_prompt_caching": "prompt_caching"}


def provider_id(litellm_provider: str) -> str:
    """models.dev's id for a LiteLLM provider name, or a slug of the name itself."""
    return PROVIDERS.get(litellm_provider) or re.sub(r"[^a-z0-9]+", "-", litellm_provider.lower()).strip("-")


def normalise(path: Path, report: Report) -> dict[str, Any]:
    rel = path.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.reject(rel, "-", f"malformed JSON: {exc}")
        return {"models": {}, "rejected": []}
    models: dict[str, Any] = {}
    rejected = []
    for key in sorted(raw):
        value = raw[key]
        if key == "sample_spec" or not isinstance(value, dict) or value.get("mode") not in MODES:
            continue
        try:
            models[key] = _model(key, value)
        except BadValue as bad:
            report.reject(rel, f"{key}.{bad.key}", str(bad))
            rejected.append(key)
    return {"models": models, "rejected": rejected}


def _model(key: str, value: dict[str, Any]) -> dict[str, Any]:
    provider = value.get("litellm_provider")
    if not isinstance(provider, str) or not provider:
        raise BadValue("litellm_provider", "missing provider")
    context = tokens(value.get("max_input_tokens"), "max_input_tokens")
    prices = {
        "input": price(value.get("input_cost_per_token"), "input_cost_per_token", per_token=True),
        "output": price(value.get("output_cost_per_token"), "output_cost_per_token", per_token=True),
        "cache_read": price(value.get("cache_read_input_token_cost"), "cache_read_input_token_cost", per_token=True),
        "cache_write": price(value.get("cache_creation_input_token_cost"), "cache_creation_input_token_cost",
                             per_token=True),
        "reasoning": price(value.get("output_cost_per_reasoning_token"), "output_cost_per_reasoning_token",
                           per_token=True),
    }
    tiers: dict[int, dict[str, Any]] = {}
    for field, amount in value.items():
        match = _TIER_FIELD.match(field)
        if match:
            above = int(match.group(2)) * 1000
            tiers.setdefault(above, {"above": above})[_TIER_KEYS[match.group(1)]] = price(amount, field,
                                                                                            per_token=True)
    for above in tiers:
        if context is not None and above >= context:
            raise BadValue(f"*_above_{above // 1000}k_tokens", f"tier at {above:,} tokens is beyond the context "
                           f"limit max_input_tokens={context:,}")
    name = key.split("/", 1)[1] if key.startswith(provider + "/") else key
    return {
        "provider": provider_id(provider),
        "litellm_provider": provider,
        "id": name,
        "mode": value.get("mode"),
        "context_window": context,
        "max_output": tokens(value.get("max_output_tokens"), "max_output_tokens"),
        "prices": {k: v for k, v in prices.items() if v is not None},
        "tiers": [tiers[a] for a in sorted(tiers)],
        "capabilities": {ours: ("yes" if value[theirs] else "no") for theirs, ours in CAPABILITIES.items()
                         if isinstance(value.get(theirs), bool)},
        "deprecation_date": iso_date(value.get("deprecation_date")),
        "source_url": value.get("source") if isinstance(value.get("source"), str) else None,
    }
