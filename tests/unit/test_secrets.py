"""tunebook.secrets: one list of secret variables, used by tracking, on_finish and export."""

from __future__ import annotations

import pytest

from tunebook import on_finish, secrets, tracking
from tunebook.secrets import SECRET_ENV_VARS, is_secret_env, is_secret_key, redact, secret_values


@pytest.mark.parametrize("name", ["WANDB_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
                                  "RUNPOD_API_KEY", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY"])
def test_the_list_names_every_known_secret(name):
    assert name in SECRET_ENV_VARS and is_secret_env(name)


@pytest.mark.parametrize("name,secret", [
    ("ANTHROPIC_API_KEY", True), ("MY_SERVICE_TOKEN", True), ("DB_PASSWORD", True),
    ("CLIENT_SECRET", True), ("TOKENIZERS_PARALLELISM", False), ("PATH", False),
    ("WANDB_MODE", False), ("HF_HUB_OFFLINE", False)])
def test_credential_like_names_count_as_secrets(name, secret):
    assert is_secret_env(name) is secret


@pytest.mark.parametrize("key,secret", [
    ("wandb_api_key", True), ("hub_token", True), ("token", True), ("aws_secret", True),
    ("password", True), ("credentials", True), ("pad_token", False), ("eos_token", False),
    ("tokens", False), ("tunebook_eval_max_new_tokens", False), ("tokenizer_type", False),
    ("lr", False)])
def test_secret_keys(key, secret):
    assert is_secret_key(key) is secret


def test_redact_masks_values_from_the_given_env_in_nested_values():
    env = {"RUNPOD_API_KEY": "rpa_SENTINEL_123", "AWS_SECRET_ACCESS_KEY": "aws/SENTINEL+9",
           "PATH": "/usr/bin"}
    value = {"note": "key rpa_SENTINEL_123 and aws/SENTINEL+9 in /usr/bin",
             "list": ("x rpa_SENTINEL_123",), "hub_token": "anything", "pad_token": "<pad>",
             "empty_token": None, "n": 3}
    assert redact(value, env) == {
        "note": "key *** and *** in /usr/bin", "list": ["x ***"], "hub_token": "***",
        "pad_token": "<pad>", "empty_token": None, "n": 3}
    assert redact("plain rpa_SENTINEL_123", env) == "plain ***"


def test_redact_defaults_to_the_process_environment(monkeypatch):
    monkeypatch.setenv("RUNPOD_API_KEY", "rpa_from_os_environ")
    assert redact("x rpa_from_os_environ y") == "x *** y"


def test_short_values_are_not_masked_and_longest_goes_first():
    env = {"HF_TOKEN": "abc", "WANDB_API_KEY": "abcdefgh", "OPENAI_API_KEY": "abcdefghijkl"}
    assert secret_values(env) == ["abcdefghijkl", "abcdefgh"]
    assert redact("abcdefghijkl abcdefgh abc", env) == "*** *** abc"


def test_tracking_and_on_finish_share_the_one_list(monkeypatch):
    """The drift this module removed: tracking did not mask RUNPOD_API_KEY."""
    monkeypatch.setenv("RUNPOD_API_KEY", "rpa_SENTINEL_tracking")
    assert tracking.redact({"note": "rpa_SENTINEL_tracking"}) == {"note": "***"}
    assert tracking.redact is secrets.redact
    assert not hasattr(tracking, "SECRET_ENV") and not hasattr(on_finish, "SECRET_VARS")
    assert on_finish._secret_values is secrets.secret_values
