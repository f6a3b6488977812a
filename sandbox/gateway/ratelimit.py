"""Rate limits per key and per account, requests/minute and tokens/minute.

Each limit is a token bucket in Redis that refills continuously (capacity = the
per-minute limit). One Lua script checks every bucket of a request and takes from all
of them only if all can pay, so concurrent requests can never be over-admitted, and a
refused request costs nothing. Token cost is reserved up front (estimated prompt
tokens + max_tokens, as OpenAI counts it) and the unused part is given back once the
real usage is known.

A bucket remembers the capacity it was last checked against: when the capacity grows (a
rate-limit boost starts, ``sandbox/gateway/boosts.py``, or a key's limit is raised) the
bucket gains the difference at once; when it shrinks (the boost ended) it is cut to the
new capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .errors import OpenAIError

BUCKET_TTL_MS = 120_000

ADMIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local levels = {}
local allowed = 1
local wait = 0
for i = 1, n do
  local cap = tonumber(ARGV[2 * i - 1])
  local cost = tonumber(ARGV[2 * i])
  local rate = cap / 60000.0
  local h = redis.call('HMGET', KEYS[i], 't', 'ts', 'c')
  local tokens = tonumber(h[1])
  local ts = tonumber(h[2])
  local was = tonumber(h[3])
  if tokens == nil or ts == nil then tokens = cap; ts = now end
  if was ~= nil and cap > was then tokens = tokens + (cap - was) end
  tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
  levels[i] = tokens
  if cost > tokens then
    allowed = 0
    local need = (cost - tokens) / rate
    if need > wait then wait = need end
  end
end
local out = {allowed, tostring(math.ceil(wait))}
for i = 1, n do
  local cap = tonumber(ARGV[2 * i - 1])
  local cost = tonumber(ARGV[2 * i])
  local tokens = levels[i]
  if allowed == 1 then tokens = tokens - cost end
  redis.call('HSET', KEYS[i], 't', tostring(tokens), 'ts', tostring(now), 'c', tostring(cap))
  redis.call('PEXPIRE', KEYS[i], ARGV[2 * n + 1])
  out[#out + 1] = tostring(math.floor(tokens))
  out[#out + 1] = tostring(math.ceil((cap - tokens) / (cap / 60000.0)))
end
return out
"""

# Give back unused reserved tokens (never above capacity).
REFUND_SCRIPT = """
for i = 1, #KEYS do
  local cap = tonumber(ARGV[2 * i - 1])
  local amount = tonumber(ARGV[2 * i])
  local tokens = tonumber(redis.call('HGET', KEYS[i], 't'))
  if tokens ~= nil then
    redis.call('HSET', KEYS[i], 't', tostring(math.min(cap, tokens + amount)))
  end
end
return 1
"""


def _admit_script(redis):
    """The admit script registered on this client: called by its SHA (EVALSHA), loaded once."""
    script = getattr(redis, "_atrium_admit_script", None)
    if script is None:
        script = redis.register_script(ADMIT_SCRIPT)
        redis._atrium_admit_script = script
    return script


@dataclass(frozen=True)
class Limits:
    key_rpm: int
    key_tpm: int
    account_rpm: int
    account_tpm: int

    @classmethod
    def for_grant(cls, grant, *, multiplier: Decimal = Decimal("1")) -> Limits:
        """The key's own limits where set, else the defaults; the account's from settings.

        ``multiplier``: the member's rate-limit boost in force (``boosts.rate_limit_multiplier``),
        applied to every limit, the key's and the account's.
        """

        def boosted(limit: int) -> int:
            return max(1, int(limit * multiplier)) if multiplier != 1 else limit

        return cls(
            key_rpm=boosted(getattr(grant, "rate_limit_rpm", None) or settings.RATE_LIMIT_KEY_RPM),
            key_tpm=boosted(getattr(grant, "rate_limit_tpm", None) or settings.RATE_LIMIT_KEY_TPM),
            account_rpm=boosted(settings.RATE_LIMIT_ACCOUNT_RPM),
            account_tpm=boosted(settings.RATE_LIMIT_ACCOUNT_TPM),
        )


def format_reset(ms: int) -> str:
    """OpenAI's duration format for x-ratelimit-reset-*: ``1s``, ``250ms``, ``6m0s``."""
    ms = max(0, int(ms))
    if ms < 1000:
        return f"{ms}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest}s"


@dataclass
class Decision:
    allowed: bool
    retry_after_ms: int
    headers: dict[str, str]


class RateLimiter:
    """The buckets of one caller (key + account). ``key_id`` None: browser (Playground) calls."""

    def __init__(self, *, user_id: int, key_id: int | None, limits: Limits):
        self.limits = limits
        owner = f"key:{key_id}" if key_id is not None else f"session:{user_id}"
        self.keys = [
            f"atrium:rl:{owner}:rpm",
            f"atrium:rl:account:{user_id}:rpm",
            f"atrium:rl:{owner}:tpm",
            f"atrium:rl:account:{user_id}:tpm",
        ]
        self.caps = [limits.key_rpm, limits.account_rpm, limits.key_tpm, limits.account_tpm]

    def _args(self, tokens: int, requests: int) -> list:
        costs = [requests, requests, tokens, tokens]
        args: list = []
        for cap, cost in zip(self.caps, costs, strict=True):
            args += [cap, cost]
        return args + [BUCKET_TTL_MS]

    def _decision(self, raw: list) -> Decision:
        allowed, wait = int(raw[0]), int(float(raw[1]))
        values = [int(float(v)) for v in raw[2:]]
        remaining = values[0::2]
        reset = values[1::2]
        # Report the binding bucket (key or account) of each kind.
        req = min((0, 1), key=lambda i: remaining[i])
        tok = min((2, 3), key=lambda i: remaining[i])
        headers = {
            "x-ratelimit-limit-requests": str(self.caps[req]),
            "x-ratelimit-remaining-requests": str(max(0, remaining[req])),
            "x-ratelimit-reset-requests": format_reset(reset[req]),
            "x-ratelimit-limit-tokens": str(self.caps[tok]),
            "x-ratelimit-remaining-tokens": str(max(0, remaining[tok])),
            "x-ratelimit-reset-tokens": format_reset(reset[tok]),
        }
        return Decision(allowed=bool(allowed), retry_after_ms=wait, headers=headers)

    def too_large(self, tokens: int) -> OpenAIError | None:
        cap = min(self.limits.key_tpm, self.limits.account_tpm)
        if tokens > cap:
            return OpenAIError(
                429,
                f"Request too large: it may use up to {tokens} tokens (prompt + max_tokens), more than your limit "
                f"of {cap} tokens per minute. Lower max_tokens or shorten the prompt.",
                code="rate_limit_exceeded",
                param="max_tokens",
            )
        return None

    async def aadmit(self, redis, *, tokens: int, requests: int = 1) -> Decision:
        return self._decision(await _admit_script(redis)(keys=self.keys, args=self._args(tokens, requests)))

    def admit(self, redis, *, tokens: int, requests: int = 1) -> Decision:
        return self._decision(_admit_script(redis)(keys=self.keys, args=self._args(tokens, requests)))

    def refund(self, pipe, *, tokens: int) -> None:
        """Queue giving back ``tokens`` unused reserved tokens on ``pipe`` (a Redis pipeline)."""
        if tokens > 0:
            pipe.eval(REFUND_SCRIPT, 2, *self.keys[2:], self.caps[2], tokens, self.caps[3], tokens)


def refused(decision: Decision) -> OpenAIError:
    retry_after = max(1, math.ceil(decision.retry_after_ms / 1000))
    which = "requests" if decision.headers["x-ratelimit-remaining-requests"] == "0" else "tokens"
    return OpenAIError(
        429,
        f"Rate limit reached for {which} per minute (limit {decision.headers[f'x-ratelimit-limit-{which}']}). "
        f"Please try again in {format_reset(decision.retry_after_ms)}.",
        code="rate_limit_exceeded",
        headers={**decision.headers, "Retry-After": str(retry_after)},
    )
