"""Our generator callbacks return no value: the check Scrapy would make on every response
(WARN_ON_GENERATOR_RETURN_VALUE, off in settings.py for its cost) is made here once."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from scrapy.settings import Settings
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.spider import iter_spider_classes


def test_setting_is_off_because_this_test_makes_the_check():
    settings = Settings()
    settings.setmodule("mfa_scraper.crawler.settings", priority="project")
    assert settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False


def test_no_generator_method_of_a_spider_returns_a_value():
    checked = []
    package = importlib.import_module("mfa_scraper.crawler.spiders")
    for info in pkgutil.iter_modules(package.__path__, "mfa_scraper.crawler.spiders."):
        module = importlib.import_module(info.name)
        for spider in iter_spider_classes(module):
            for name, method in inspect.getmembers(spider, inspect.isfunction):
                if inspect.isgeneratorfunction(method):
                    checked.append(name)
                    assert not is_generator_with_return_value(method), f"{spider.__name__}.{name}"
    assert "_article_outputs" in checked  # the walk found the spider's generators


def test_the_check_itself_catches_a_returned_value():
    def returns_a_value():
        yield 1
        return 2

    assert is_generator_with_return_value(returns_a_value)
