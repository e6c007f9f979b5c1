"""Drives the review console in Debian's headless Chromium (Selenium pointed at that browser).

Run by Tests/TollGuardCLITests/ConsoleBrowserTests.swift against a `tollguard serve` it started
on a store it filled: users rob (reviewer) and vera (viewer), an alert whose subject is hostile
HTML, and an account past its quota. Exits non-zero, naming the step, on the first failure.
"""
import argparse
import os
import sys

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait

HOSTILE = "<img src=x onerror=alert(1)>"


def browser(javascript: bool) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("TOLLGUARD_CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = Service(executable_path=os.environ.get("TOLLGUARD_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def check(condition: bool, step: str) -> None:
    if not condition:
        raise AssertionError(step)


def log_in(driver: webdriver.Chrome, url: str, name: str, password: str) -> None:
    driver.get(url + "/console/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.CSS_SELECTOR, "header.top nav")))


def no_script_ran(driver: webdriver.Chrome, step: str) -> None:
    try:
        driver.switch_to.alert
        raise AssertionError(step + ": a script opened an alert dialog")
    except NoAlertPresentException:
        pass
    check(not driver.find_elements(By.TAG_NAME, "img"), step + ": hostile text became an <img> element")


def console_clean(driver: webdriver.Chrome, step: str) -> None:
    severe = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    check(not severe, step + ": the browser's console logged errors: %r" % severe)


def screenshot(driver: webdriver.Chrome, folder: str, name: str) -> None:
    if folder:
        os.makedirs(folder, exist_ok=True)
        driver.save_screenshot(os.path.join(folder, name + ".png"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--over-quota-alert", required=True)
    parser.add_argument("--hostile-alert", required=True)
    parser.add_argument("--day", required=True)
    parser.add_argument("--screenshots", default="")
    arguments = parser.parse_args()
    url = arguments.url

    driver = browser(javascript=True)
    try:
        # A page needs a login.
        driver.get(url + "/console")
        check(driver.current_url.endswith("/console/login"), "no login: the queue redirects to the login page")

        log_in(driver, url, "rob", arguments.password)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
        check(len(rows) >= 2, "the queue lists the open alerts")
        check(rows[0].get_attribute("data-alert") == arguments.over_quota_alert,
              "the account past its quota heads the queue")
        check(HOSTILE in driver.find_element(By.TAG_NAME, "main").text, "the hostile subject is shown as text")
        no_script_ran(driver, "queue")
        console_clean(driver, "queue")
        screenshot(driver, arguments.screenshots, "queue")

        # The case file of the hostile alert, then a false positive with a comment.
        driver.get(url + "/console/alerts/" + arguments.hostile_alert)
        no_script_ran(driver, "alert page")
        check("Evidence calls" in driver.page_source, "the alert page shows its evidence")
        screenshot(driver, arguments.screenshots, "alert")
        driver.find_element(By.NAME, "comment").send_keys("test traffic <b>ok</b>")
        driver.find_element(By.CSS_SELECTOR, "button[value=false_positive]").click()
        WebDriverWait(driver, 10).until(conditions.text_to_be_present_in_element((By.ID, "state"), "false_positive"))
        check("test traffic <b>ok</b>" in driver.find_element(By.CSS_SELECTOR, "ol.timeline").text,
              "the comment is in the timeline, as text")
        console_clean(driver, "alert page")

        # A form whose token was taken out is refused, and nothing changes.
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        driver.execute_script("document.querySelector('form.triage input[name=csrf]').remove()")
        driver.find_element(By.CSS_SELECTOR, "button[value=acknowledge]").click()
        check("token is missing" in driver.page_source, "a form without its token is refused")
        driver.get_log("browser")  # the refusal's 403, wanted here, is not an error of the pages
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        check(driver.find_element(By.ID, "state").text.startswith("open"), "the refused form changed nothing")

        # Snooze until worse: out of the queue, in the Snoozed tab; woken again by hand.
        driver.find_element(By.CSS_SELECTOR, "button[value=snooze_worse]").click()
        WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "snooze")))
        check("until it costs more than" in driver.find_element(By.ID, "snooze").text, "the snooze says what wakes it")
        driver.get(url + "/console")
        check(not driver.find_elements(By.CSS_SELECTOR, "tr[data-alert='%s']" % arguments.over_quota_alert),
              "a snoozed alert leaves the open queue")
        driver.get(url + "/console?tab=snoozed")
        check(driver.find_elements(By.CSS_SELECTOR, "tr[data-alert='%s']" % arguments.over_quota_alert),
              "a snoozed alert is in the Snoozed tab")
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        driver.find_element(By.CSS_SELECTOR, "button[value=unsnooze]").click()
        WebDriverWait(driver, 10).until(conditions.invisibility_of_element_located((By.ID, "snooze")))

        driver.get(url + "/console/journal")
        check("alert.false_positive" in driver.page_source, "the journal has the false positive")
        check("alert.snoozed" in driver.page_source, "the journal has the snooze")
        screenshot(driver, arguments.screenshots, "journal")
        driver.find_element(By.CSS_SELECTOR, "form.who button").click()
        WebDriverWait(driver, 10).until(conditions.url_contains("/console/login"))

        # A viewer sees the case file but is offered no action.
        log_in(driver, url, "vera", arguments.password)
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        check(not driver.find_elements(By.CSS_SELECTOR, "form.triage"), "a viewer is offered no action")
        console_clean(driver, "viewer")
        driver.find_element(By.CSS_SELECTOR, "form.who button").click()
        WebDriverWait(driver, 10).until(conditions.url_contains("/console/login"))

        # An admin edits a quota with a reason, and the journal shows it before -> after.
        log_in(driver, url, "ada", arguments.password)
        driver.get(url + "/console/accounts?date=" + arguments.day)
        row = driver.find_element(By.CSS_SELECTOR, "tr[data-account='1002']")
        amount = row.find_element(By.NAME, "amount")
        amount.clear()
        amount.send_keys("50")
        row.find_element(By.NAME, "reason").send_keys("raised for the fair")
        row.find_element(By.CSS_SELECTOR, "form.quota button").click()
        WebDriverWait(driver, 10).until(conditions.url_contains("/console/accounts"))
        driver.get(url + "/console/accounts?date=" + arguments.day)
        row = driver.find_element(By.CSS_SELECTOR, "tr[data-account='1002']")
        check("50.00 USD" in row.text, "the new quota is shown")
        check("60 %" in row.text, "30 spent of 50 shows 60 %")
        screenshot(driver, arguments.screenshots, "accounts")
        driver.get(url + "/console/journal")
        journal = driver.find_element(By.CSS_SELECTOR, "table.journal").text
        check("quota.set" in journal and "20.00 USD → 50.00 USD" in journal and "raised for the fair" in journal,
              "the journal shows the quota change with its reason")
        console_clean(driver, "admin")
    finally:
        driver.quit()

    # Everything works with JavaScript off: log in, read, acknowledge.
    driver = browser(javascript=False)
    try:
        log_in(driver, url, "rob", arguments.password)
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        driver.find_element(By.CSS_SELECTOR, "button[value=acknowledge]").click()
        WebDriverWait(driver, 10).until(conditions.text_to_be_present_in_element((By.ID, "state"), "acknowledged"))
        driver.get(url + "/console?tab=acknowledged")
        check(driver.find_elements(By.CSS_SELECTOR, "tr[data-alert='%s']" % arguments.over_quota_alert),
              "with JavaScript off the acknowledged alert moved to its tab")
    finally:
        driver.quit()
    print("console browser test: every step passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as failure:
        print("console browser test failed: %s" % failure, file=sys.stderr)
        sys.exit(1)
