from dropship.config import load_settings
from dropship.runtime import Runtime, parse_args, print_banner


def test_lan_host_prints_addresses_and_a_warning(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("dropship.runtime.lan_addresses", lambda: ["192.168.1.23"])
    runtime = Runtime(load_settings(data_dir=tmp_path, env={}, host="0.0.0.0", port=8765))
    print_banner(runtime)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8765" in out
    assert "局域网地址：http://192.168.1.23:8765" in out
    assert "局域网内其他电脑现在可以打开登录页面" in out


def test_local_host_prints_no_lan_warning(tmp_path, capsys):
    print_banner(Runtime(load_settings(data_dir=tmp_path, env={})))
    assert "局域网" not in capsys.readouterr().out


def test_cli_options():
    args = parse_args(["--host", "0.0.0.0", "--port", "9000", "--data-dir", "x", "--worker"])
    assert (args.host, args.port, args.data_dir, args.worker, args.web_only) == ("0.0.0.0", 9000, "x", True, False)
