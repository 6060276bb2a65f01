"""Settings: integers where zero means "none" are validated like the others."""
import pytest

from api.config import ConfigError, load_config


def test_trusted_proxies_default_to_none():
    assert load_config()["TRUSTED_PROXIES"] == 0


def test_trusted_proxies_are_read_as_a_number():
    assert load_config({"TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2


@pytest.mark.parametrize("name", ["TRUSTED_PROXIES", "TOKEN_CHECK_CACHE_SECONDS"])
@pytest.mark.parametrize("value", ["-1", "two", "1.5", ""])
def test_a_count_that_is_not_a_whole_number_from_zero_up_is_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({name: value})


def test_the_token_check_cache_may_be_turned_off():
    assert load_config({"TOKEN_CHECK_CACHE_SECONDS": "0"})["TOKEN_CHECK_CACHE_SECONDS"] == 0
