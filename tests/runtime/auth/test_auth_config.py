"""PlatformConfig: fields, environment and config files, precedence, secrets."""

from __future__ import annotations

import dataclasses
import logging
import sys
import textwrap

import pytest

from flyteclient.runtime.config import (
    ConfigError,
    ConfigFileNotFoundError,
    PlatformConfig,
    canonical_auth_mode,
)
from tests.support.optional import require

SECRET = "hunter2-very-secret"

FLYTECTL_YAML = textwrap.dedent(
    """\
    admin:
      # For GRPC endpoints you might want to use dns:///flyte.myexample.com
      endpoint: dns:///flyte.example.com:443   # comment after a value
      authType: DeviceFlow
      insecure: false
      insecureSkipVerify: "off"
      clientId: "my-client"
      scopes: [offline, 'all']
      audience: https://flyte.example.com
      command:
        - gcloud
        - auth
        - print-identity-token
    console:
      endpoint: https://console.example.com
    logger:
      show-source: true
      level: 0
    storage:
      type: minio
      connection:
        access-key: minio
        secret-key: miniostorage
      notes: |
        multi-line text the built-in reader does not parse, in a section it skips
      anchors: &a {x: 1}
    """
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_fields_and_defaults_match_flytekit():
    require("flytekit")
    from flytekit.configuration import PlatformConfig as FlytekitPlatformConfig

    ours = {f.name: f for f in dataclasses.fields(PlatformConfig)}
    theirs = {f.name: f for f in dataclasses.fields(FlytekitPlatformConfig)}
    # flytekit's fields in flytekit's order, then flyteclient's own (transport, rest_codec).
    assert list(ours)[: len(theirs)] == list(theirs) and list(ours)[len(theirs) :] == [
        "transport",
        "rest_codec",
    ]
    assert PlatformConfig().transport == "grpc"
    ours = {name: f for name, f in ours.items() if name in theirs}
    default = PlatformConfig()
    flytekit_default = FlytekitPlatformConfig()
    for name in ours:
        value, expected = getattr(default, name), getattr(flytekit_default, name)
        if name == "scopes":
            assert value == () and expected == []
        elif name == "auth_mode":
            # not chosen (None), which means Pkce, as flytekit's default (standard) does
            assert (
                value is None
                and default.effective_auth_mode == "Pkce"
                and canonical_auth_mode(expected) == "Pkce"
            )
        else:
            assert value == expected, name


def test_frozen_hashable_and_for_endpoint():
    cfg = PlatformConfig.for_endpoint("dns:///flyte.example.com:443", insecure=True)
    assert cfg.endpoint == "flyte.example.com:443"
    assert cfg.insecure is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.endpoint = "x"  # type: ignore[misc]
    assert hash(PlatformConfig(scopes=["a"], command=["x", "y"])) == hash(
        PlatformConfig(scopes=("a",), command=("x", "y"))
    )


def test_auto_without_any_file_uses_env_and_defaults(isolated_env, monkeypatch):
    assert PlatformConfig.auto() == PlatformConfig()
    monkeypatch.setenv("FLYTE_PLATFORM_URL", "dns:///env.example.com:81")
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE", "True")
    cfg = PlatformConfig.auto()
    assert (cfg.endpoint, cfg.insecure) == ("env.example.com:81", True)
    assert not cfg.auth_mode_is_explicit


def test_yaml_file_is_read(isolated_env, monkeypatch):
    path = write(isolated_env / "flytectl.yaml", FLYTECTL_YAML)
    cfg = PlatformConfig.auto(str(path))
    assert cfg.endpoint == "flyte.example.com:443"
    assert cfg.auth_mode == "DeviceFlow" and cfg.auth_mode_is_explicit
    assert cfg.insecure is False and cfg.insecure_skip_verify is False
    assert cfg.client_id == "my-client"
    assert cfg.scopes == ("offline", "all")
    assert cfg.audience == "https://flyte.example.com"
    assert cfg.command == ("gcloud", "auth", "print-identity-token")
    assert cfg.console_endpoint == "https://console.example.com"


def test_built_in_yaml_reader_matches_pyyaml(isolated_env, monkeypatch):
    path = write(
        isolated_env / "flytectl.yaml", FLYTECTL_YAML.replace("  anchors: &a {x: 1}\n", "")
    )
    with_pyyaml = PlatformConfig.auto(str(path))
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    without_pyyaml = PlatformConfig.auto(str(path))
    assert without_pyyaml == with_pyyaml
    # and the reader skips sections it does not need, whatever YAML they use
    write(path, FLYTECTL_YAML)
    assert PlatformConfig.auto(str(path)) == with_pyyaml


def test_built_in_yaml_reader_reports_unsupported_constructs(isolated_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = write(isolated_env / "bad.yaml", "admin:\n  endpoint: |\n    multi\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml, line 2: .*pip install pyyaml"):
        PlatformConfig.auto(str(path))


def test_env_takes_precedence_over_file(isolated_env, monkeypatch):
    path = write(isolated_env / "config.yaml", FLYTECTL_YAML)
    monkeypatch.setenv("FLYTECTL_CONFIG", str(path))
    monkeypatch.setenv("FLYTE_PLATFORM_URL", "dns:///env.example.com:8089")
    monkeypatch.setenv("FLYTE_CREDENTIALS_AUTH_MODE", "pkce")
    monkeypatch.setenv("FLYTE_CREDENTIALS_SCOPES", "a,b, c")
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE", "yes")
    monkeypatch.setenv("FLYTE_CREDENTIALS_COMMAND", "echo,token")
    cfg = PlatformConfig.auto()
    assert cfg.endpoint == "env.example.com:8089"
    assert cfg.auth_mode == "pkce" and cfg.effective_auth_mode == "Pkce"
    assert cfg.scopes == ("a", "b", "c")
    assert cfg.insecure is True
    assert cfg.command == ("echo", "token")
    assert cfg.client_id == "my-client"  # not in the environment: from the file


@pytest.mark.parametrize("value", ["false", "False", "0", "off", "no", "NO"])
def test_false_booleans(isolated_env, monkeypatch, value):
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE", value)
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE_SKIP_VERIFY", value)
    cfg = PlatformConfig.auto()
    assert cfg.insecure is False and cfg.insecure_skip_verify is False


@pytest.mark.parametrize("value", ["true", "1", "on", "yes", "Y", " TRUE "])
def test_true_booleans(isolated_env, monkeypatch, value):
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE", value)
    assert PlatformConfig.auto().insecure is True


# -- strictness: a typo is an error naming where it is, never a silent default ----------


@pytest.fixture(params=["pyyaml", "built-in reader"])
def yaml_reader(request, monkeypatch):
    if request.param != "pyyaml":
        monkeypatch.setitem(sys.modules, "yaml", None)


@pytest.mark.parametrize("value", ["maybe", "ture", "2", "[true]"])
def test_non_boolean_in_yaml_names_file_and_key(isolated_env, yaml_reader, value):
    path = write(isolated_env / "config.yaml", f"admin:\n  endpoint: x:1\n  insecure: {value}\n")
    with pytest.raises(ConfigError, match=r"config\.yaml: admin\.insecure: expected a boolean"):
        PlatformConfig.auto(str(path))


def test_non_boolean_env_var_and_ini_are_errors(isolated_env, monkeypatch):
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE", "anything")
    with pytest.raises(
        ConfigError, match="environment variable FLYTE_PLATFORM_INSECURE: expected a boolean"
    ):
        PlatformConfig.auto()
    monkeypatch.delenv("FLYTE_PLATFORM_INSECURE")
    path = write(
        isolated_env / "flytekit.config", "[platform]\nurl = x:1\ninsecure_skip_verify = maybe\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"flytekit\.config: \[platform\] insecure_skip_verify: expected a boolean",
    ):
        PlatformConfig.auto(str(path))
    with pytest.raises(ConfigError, match="PlatformConfig insecure: expected a boolean"):
        PlatformConfig(insecure="maybe")


def test_wrong_types_in_yaml_name_file_and_key(isolated_env, yaml_reader):
    path = write(
        isolated_env / "config.yaml", "admin:\n  endpoint:\n    host: flyte\n    port: 443\n"
    )
    with pytest.raises(
        ConfigError, match=r"config\.yaml: admin\.endpoint: expected a string, got a mapping"
    ):
        PlatformConfig.auto(str(path))
    write(path, "admin:\n  endpoint: x:1\n  scopes:\n    all: true\n")
    with pytest.raises(
        ConfigError, match=r"admin\.scopes: expected a list or a string, got a mapping"
    ):
        PlatformConfig.auto(str(path))
    write(path, "admin: hello\n")
    with pytest.raises(
        ConfigError, match=r"config\.yaml: `admin:` must be a mapping of settings, got str 'hello'"
    ):
        PlatformConfig.auto(str(path))
    write(path, "admin:\n  endpoint: x:1\nconsole: [a]\n")
    with pytest.raises(ConfigError, match=r"`console:` must be a mapping"):
        PlatformConfig.auto(str(path))


def test_unknown_admin_key_is_an_error_naming_it(isolated_env, yaml_reader):
    path = write(isolated_env / "config.yaml", "admin:\n  endpoint: x:1\n  insecur: true\n")
    with pytest.raises(
        ConfigError,
        match=r"config\.yaml: unknown key admin\.insecur .*did you mean admin\.insecure\?",
    ):
        PlatformConfig.auto(str(path))


def test_flytectl_keys_the_client_ignores_keep_working(isolated_env, yaml_reader):
    text = textwrap.dedent(
        """\
        admin:
          endpoint: dns:///flyte.example.com:443
          insecure: true
          maxBackoffDelay: 8s
          perRetryTimeout: 15s
          maxRetries: 4
          useAuth: false
          useAudienceFromAdmin: true
          authorizationHeader: flyte-authorization
          tokenUrl: https://idp.example.com/token
          pkceConfig:
            timeout: 2m0s
            refreshTime: 5m0s
          deviceFlowConfig:
            pollInterval: 5s
          defaultServiceConfig: '{"loadBalancingConfig": [{"round_robin":{}}]}'
        """
    )
    path = write(isolated_env / "config.yaml", text)
    cfg = PlatformConfig.auto(str(path))
    assert (cfg.endpoint, cfg.insecure) == ("flyte.example.com:443", True)


def test_search_order(isolated_env, monkeypatch):
    home = isolated_env / "home"
    write(home / ".flyte" / "config.yaml", "admin:\n  endpoint: from-home-yaml:1\n")
    assert PlatformConfig.auto().endpoint == "from-home-yaml:1"
    write(home / ".flyte" / "config", "[platform]\nurl = from-home-ini:2\n")
    assert PlatformConfig.auto().endpoint == "from-home-ini:2"
    write(
        isolated_env / "work" / "flytekit.config", "[platform]\nurl = from-cwd:3\ninsecure = True\n"
    )
    assert PlatformConfig.auto().endpoint == "from-cwd:3"
    env_file = write(isolated_env / "elsewhere.yaml", "admin:\n  endpoint: dns:///from-env:4\n")
    monkeypatch.setenv("FLYTECTL_CONFIG", str(env_file))
    assert PlatformConfig.auto().endpoint == "from-env:4"
    # FLYTECTL_CONFIG naming a missing file is skipped (as flytekit does)
    monkeypatch.setenv("FLYTECTL_CONFIG", str(isolated_env / "missing.yaml"))
    assert PlatformConfig.auto().endpoint == "from-cwd:3"


def test_legacy_ini_file(isolated_env):
    path = write(
        isolated_env / "work" / "flytekit.config",
        textwrap.dedent(
            """\
            [platform]
            url = dns:///ini.example.com:443
            insecure = false
            [credentials]
            client_id = svc
            auth_mode = basic
            scopes = all,offline
            command = echo,hi
            """
        ),
    )
    cfg = PlatformConfig.auto(str(path))
    assert cfg.endpoint == "ini.example.com:443"
    assert cfg.effective_auth_mode == "ClientSecret"
    assert cfg.scopes == ("all", "offline")
    assert cfg.command == ("echo", "hi")


def test_yaml_without_extension_is_read_as_yaml(isolated_env):
    path = write(isolated_env / "flyteconfig", "admin:\n  endpoint: noext:5\n")
    assert PlatformConfig.auto(str(path)).endpoint == "noext:5"


def test_same_result_as_flytekit(isolated_env, monkeypatch):
    require("flytekit")
    from flytekit.configuration import PlatformConfig as FlytekitPlatformConfig

    path = write(isolated_env / "flytectl.yaml", FLYTECTL_YAML)
    monkeypatch.setenv("FLYTE_CREDENTIALS_AUDIENCE", "aud-from-env")
    ours = PlatformConfig.auto(str(path))
    theirs = FlytekitPlatformConfig.auto(str(path))
    for f in dataclasses.fields(FlytekitPlatformConfig):  # (ours add only `transport`)
        mine, expected = getattr(ours, f.name), getattr(theirs, f.name)
        if isinstance(expected, list):
            expected = tuple(expected)
        assert mine == getattr(expected, "value", expected), f.name


def test_secret_from_file_selects_client_secret(isolated_env, monkeypatch):
    secret_file = write(isolated_env / "secret", SECRET + "\n")
    path = write(
        isolated_env / "c.yaml",
        f"admin:\n  endpoint: e:1\n  clientId: svc\n  authType: Pkce\n  clientSecretLocation: {secret_file}\n",
    )
    cfg = PlatformConfig.auto(str(path))
    assert cfg.client_credentials_secret == SECRET
    assert cfg.auth_mode == "ClientSecret"


def test_secret_from_env_var(isolated_env, monkeypatch):
    monkeypatch.setenv("MY_FLYTE_SECRET", SECRET)
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR", "MY_FLYTE_SECRET")
    cfg = PlatformConfig.auto()
    assert cfg.client_credentials_secret == SECRET
    assert cfg.effective_auth_mode == "ClientSecret"
    # the named variable wins over a secret file
    secret_file = write(isolated_env / "secret", "from-file")
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION", str(secret_file))
    assert PlatformConfig.auto().client_credentials_secret == SECRET
    monkeypatch.delenv("MY_FLYTE_SECRET")
    assert PlatformConfig.auto().client_credentials_secret == "from-file"


def test_direct_secret_env_var_implies_client_secret_only_without_explicit_mode(
    isolated_env, monkeypatch
):
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", SECRET)
    assert PlatformConfig.auto().effective_auth_mode == "ClientSecret"
    monkeypatch.setenv("FLYTE_CREDENTIALS_AUTH_MODE", "DeviceFlow")
    assert PlatformConfig.auto().effective_auth_mode == "DeviceFlow"


def test_missing_secret_file_names_it(isolated_env, monkeypatch):
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION", str(isolated_env / "nope"))
    with pytest.raises(ConfigError, match="nope"):
        PlatformConfig.auto()


def test_explicit_missing_config_file_names_it(isolated_env):
    missing = isolated_env / "does-not-exist.yaml"
    with pytest.raises(ConfigFileNotFoundError, match="does-not-exist.yaml"):
        PlatformConfig.auto(str(missing))


def test_required_config_file_names_every_path_searched(isolated_env, monkeypatch):
    monkeypatch.setenv("FLYTECTL_CONFIG", str(isolated_env / "from-env.yaml"))
    with pytest.raises(ConfigFileNotFoundError) as info:
        PlatformConfig.auto(require_file=True)
    message = str(info.value)
    for name in ("from-env.yaml", "flytekit.config", ".flyte/config,", ".flyte/config.yaml"):
        assert name in message
    assert isinstance(info.value, FileNotFoundError)


@pytest.mark.parametrize(
    "spelling, canonical",
    [
        ("Pkce", "Pkce"),
        ("standard", "Pkce"),
        ("PKCE", "Pkce"),
        ("ClientSecret", "ClientSecret"),
        ("basic", "ClientSecret"),
        ("CLIENT_CREDENTIALS", "ClientSecret"),
        ("ExternalCommand", "ExternalCommand"),
        ("external_process", "ExternalCommand"),
        ("deviceflow", "DeviceFlow"),
    ],
)
def test_auth_mode_spellings(spelling, canonical):
    assert PlatformConfig(auth_mode=spelling).effective_auth_mode == canonical


def test_flytekit_auth_type_enum_is_accepted():
    require("flytekit")
    from flytekit.configuration import AuthType

    assert (
        PlatformConfig(auth_mode=AuthType.CLIENT_CREDENTIALS).effective_auth_mode == "ClientSecret"
    )


def test_bad_auth_mode_lists_valid_modes(isolated_env, monkeypatch):
    with pytest.raises(ValueError) as info:
        PlatformConfig(auth_mode="kerberos")
    for mode in (
        "Pkce",
        "standard",
        "ClientSecret",
        "basic",
        "client_credentials",
        "ExternalCommand",
        "external_process",
        "DeviceFlow",
    ):
        assert mode in str(info.value)
    monkeypatch.setenv("FLYTE_CREDENTIALS_AUTH_MODE", "kerberos")
    with pytest.raises(ValueError, match="kerberos.*valid modes"):
        PlatformConfig.auto()


def test_effective_auth_mode_inference():
    assert PlatformConfig().effective_auth_mode == "Pkce"
    assert PlatformConfig(command=["x"]).effective_auth_mode == "ExternalCommand"
    assert PlatformConfig(client_credentials_secret="s").effective_auth_mode == "ClientSecret"
    assert PlatformConfig(command=["x"], auth_mode="Pkce").effective_auth_mode == "Pkce"
    assert dataclasses.replace(PlatformConfig(), endpoint="x:1").auth_mode_is_explicit is False


def test_secret_not_in_repr_or_logs(isolated_env, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    secret_file = write(isolated_env / "secret", SECRET)
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION", str(secret_file))
    cfg = PlatformConfig.auto()
    assert cfg.client_credentials_secret == SECRET
    assert SECRET not in repr(cfg) and SECRET not in str(cfg)
    assert "client_credentials_secret='***'" in repr(cfg)
    assert SECRET not in caplog.text


def test_transport_setting_from_file_and_env(isolated_env, yaml_reader, monkeypatch):
    path = write(
        isolated_env / "config.yaml",
        "admin:\n  endpoint: dns:///flyte.example.com\nflyteclient:\n  transport: rest\n",
    )
    assert PlatformConfig.auto(str(path)).transport == "rest"
    monkeypatch.setenv("FLYTECLIENT_TRANSPORT", "grpc")
    assert PlatformConfig.auto(str(path)).transport == "grpc"  # the environment wins
    monkeypatch.setenv("FLYTECLIENT_TRANSPORT", "http")
    with pytest.raises(ConfigError, match="transport must be one of grpc, rest, got 'http'"):
        PlatformConfig.auto(str(path))
