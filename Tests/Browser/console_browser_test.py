"""Drives the review console in Debian's headless Chromium (Selenium pointed at that browser).

Run by Tests/TollGuardCLITests/ConsoleBrowserTests.swift against a `tollguard serve` it started
on a store it filled: users rob (reviewer), vera (viewer) and ada (admin), two alerts whose
subject is hostile HTML, and an account past its quota; serve runs a program hook on suspensions.
Exits non-zero, naming the step, on the first failure.

Where the test must change the store behind the browser's back, the script writes a step's name
into --handshake and waits for the test's answer there: `watching` -> `raised` (a new alert,
which must reach the open queue by server-sent events), `snoozed` -> `spent` (the account spends
more).
"""
import argparse
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

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


def wait_for_file(path: str, step: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        check(time.monotonic() < deadline, step + ": the test never wrote " + path)
        time.sleep(0.05)


def handshake(folder: str, step: str, answer: str) -> None:
    with open(os.path.join(folder, step), "w") as marker:
        marker.write(step + "\n")
    wait_for_file(os.path.join(folder, answer), step)


def queue_ids(driver: webdriver.Chrome) -> list:
    return [row.get_attribute("data-alert") for row in driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--over-quota-alert", required=True)
    parser.add_argument("--hostile-alert", required=True)
    parser.add_argument("--matching-alert", required=True)
    parser.add_argument("--handshake", required=True)
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

        # A new alert reaches the open page without a reload: the count and a banner, its hostile
        # subject as text.
        open_count = int(driver.find_element(By.ID, "count-open").text)
        handshake(arguments.handshake, "watching", "raised")
        WebDriverWait(driver, 30).until(conditions.text_to_be_present_in_element((By.ID, "live-banner"), "1 new alert"))
        check(int(driver.find_element(By.ID, "count-open").text) == open_count + 1, "the Open count follows the store")
        check("<script>alert(2)</script>" in driver.find_element(By.ID, "live-banner").text,
              "the new alert's subject is in the banner as text")
        no_script_ran(driver, "live update")
        check(not driver.find_elements(By.CSS_SELECTOR, "#live-banner script"), "no markup from the store in the banner")
        console_clean(driver, "live update")
        screenshot(driver, arguments.screenshots, "queue-live")

        # The queue's filter is in the address, and its export is what it shows.
        driver.find_element(By.NAME, "subject").send_keys("1002")
        driver.find_element(By.CSS_SELECTOR, "form.filter button").click()
        WebDriverWait(driver, 10).until(conditions.url_contains("subject=1002"))
        check(queue_ids(driver) == [arguments.over_quota_alert], "the filter keeps the account's alert only")
        check("subject=1002" in driver.find_element(By.CSS_SELECTOR, "a.export").get_attribute("href"),
              "the CSV export carries the filter")
        screenshot(driver, arguments.screenshots, "queue-filtered")

        # The case file of the hostile alert, then a false positive with a reason and a comment
        # that closes the other open alert of the same rule and subject.
        driver.get(url + "/console/alerts/" + arguments.hostile_alert)
        no_script_ran(driver, "alert page")
        check("Evidence calls" in driver.page_source, "the alert page shows its evidence")
        check(driver.find_elements(By.CSS_SELECTOR, "ul.related a[href='/console/alerts/%s']" % arguments.matching_alert),
              "the case file lists the other alert of its subject")
        screenshot(driver, arguments.screenshots, "alert")
        driver.find_element(By.NAME, "comment").send_keys("test traffic <b>ok</b>")
        Select(driver.find_element(By.CSS_SELECTOR, "select[name=reason]")).select_by_value("test_calls")
        driver.find_element(By.NAME, "close_matching").click()
        driver.find_element(By.CSS_SELECTOR, "button[value=false_positive]").click()
        WebDriverWait(driver, 10).until(conditions.text_to_be_present_in_element((By.ID, "state"), "false_positive"))
        check("test traffic <b>ok</b>" in driver.find_element(By.CSS_SELECTOR, "ol.timeline").text,
              "the comment is in the timeline, as text")
        console_clean(driver, "alert page")
        driver.get(url + "/console/alerts/" + arguments.matching_alert)
        check(driver.find_element(By.ID, "state").text.startswith("false_positive"),
              "the matching alert closed with it")
        check("closed with alert " + arguments.hostile_alert in driver.find_element(By.CSS_SELECTOR, "ol.timeline").text,
              "the matching alert's timeline says why")

        # A form whose token was taken out is refused, and nothing changes.
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        driver.execute_script("document.querySelector('form.triage input[name=csrf]').remove()")
        driver.find_element(By.CSS_SELECTOR, "button[value=acknowledge]").click()
        WebDriverWait(driver, 10).until(conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), "token is missing"))
        driver.get_log("browser")  # the refusal's 403, wanted here, is not an error of the pages
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        check(driver.find_element(By.ID, "state").text.startswith("open"), "the refused form changed nothing")

        # The account's 30 days of spend, drawn against its quota: the alert's day is over it.
        bars = driver.find_elements(By.CSS_SELECTOR, "#spend-chart rect.day-bar")
        check(len(bars) == 30, "the case file charts 30 days of spend (%d bars)" % len(bars))
        over = driver.find_elements(By.CSS_SELECTOR, "#spend-chart rect.day-bar.over")
        check(len(over) == 1 and over[0].size["height"] > 0, "the day past the quota is drawn, marked over it")
        line = driver.find_elements(By.CSS_SELECTOR, "#spend-chart line.quota-line")
        check(len(line) == 1
              and over[0].location["y"] < line[0].location["y"] < over[0].location["y"] + over[0].size["height"],
              "the quota line crosses the day that passed it")
        screenshot(driver, arguments.screenshots, "alert-spend")

        # Snooze until worse: out of the queue, in the Snoozed tab; back when the account spends more.
        driver.find_element(By.CSS_SELECTOR, "button[value=snooze_worse]").click()
        WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "snooze")))
        check("until it costs more than" in driver.find_element(By.ID, "snooze").text, "the snooze says what wakes it")
        driver.get(url + "/console")
        check(arguments.over_quota_alert not in queue_ids(driver), "a snoozed alert leaves the open queue")
        driver.get(url + "/console?tab=snoozed")
        check(arguments.over_quota_alert in queue_ids(driver), "a snoozed alert is in the Snoozed tab")
        handshake(arguments.handshake, "snoozed", "spent")
        driver.get(url + "/console")
        check(arguments.over_quota_alert in queue_ids(driver), "the snoozed alert came back when the account spent more")
        driver.get(url + "/console?tab=snoozed")
        check(arguments.over_quota_alert not in queue_ids(driver), "and it left the Snoozed tab")

        # The SIP attackers: the address, its log line as text.
        driver.get(url + "/console/attackers")
        row = driver.find_element(By.CSS_SELECTOR, "tr[data-address='203.0.113.5']")
        check("<img src=x onerror=alert(4)>" in row.text, "the attack line is shown as text")
        no_script_ran(driver, "attackers")
        screenshot(driver, arguments.screenshots, "attackers")

        # This serve has no live source: the live page says so.
        driver.get(url + "/console/live")
        check("has no live source" in driver.find_element(By.TAG_NAME, "main").text, "the live page says why it is empty")
        screenshot(driver, arguments.screenshots, "live")

        # Suspend the account with a reason: the hook runs and the page shows what it answered;
        # then lift it, and the hook runs again.
        driver.get(url + "/console/suspensions")
        form = driver.find_element(By.CSS_SELECTOR, "form.suspend")
        form.find_element(By.NAME, "account").send_keys("1002")
        form.find_element(By.NAME, "reason").send_keys("calls to Somalia at night")
        form.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(driver, 30).until(conditions.presence_of_element_located((By.CSS_SELECTOR, "tr[data-suspension]")))
        row = driver.find_element(By.CSS_SELECTOR, "tr[data-suspension]")
        check("calls to Somalia at night" in row.text, "the suspension shows its reason")
        check("pbx blocked 1002 (suspend)" in row.text and "delivered" in row.text,
              "the suspend hook ran and its answer is shown: %r" % row.text)
        screenshot(driver, arguments.screenshots, "suspensions")
        row.find_element(By.NAME, "reason").send_keys("password changed")
        row.find_element(By.CSS_SELECTOR, "form.unsuspend button").click()
        WebDriverWait(driver, 30).until(conditions.text_to_be_present_in_element(
            (By.TAG_NAME, "main"), "No account is suspended."))
        main = driver.find_element(By.TAG_NAME, "main").text
        check("pbx blocked 1002 (unsuspend)" in main, "the unsuspend hook ran and its answer is shown: %r" % main)
        console_clean(driver, "suspensions")

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
        # A forged form, with the viewer's own valid token, is refused on the server.
        driver.execute_script(
            "const form = document.createElement('form'); form.method = 'post';"
            "form.action = '/console/alerts/' + arguments[0];"
            "for (const [name, value] of [['csrf', document.querySelector('form.who input[name=csrf]').value],"
            "                             ['action', 'resolve']]) {"
            "  const input = document.createElement('input'); input.type = 'hidden';"
            "  input.name = name; input.value = value; form.appendChild(input); }"
            "document.body.appendChild(form); form.submit();", arguments.over_quota_alert)
        WebDriverWait(driver, 10).until(conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), "may not"))
        driver.get_log("browser")  # the refusal's 403 is wanted here
        driver.get(url + "/console/alerts/" + arguments.over_quota_alert)
        check(not driver.find_element(By.ID, "state").text.startswith("resolved"), "the forged change did nothing")
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
        WebDriverWait(driver, 10).until(conditions.staleness_of(row))  # the answer replaced the page
        driver.get(url + "/console/accounts?date=" + arguments.day)
        row = driver.find_element(By.CSS_SELECTOR, "tr[data-account='1002']")
        check("50.00 USD" in row.text, "the new quota is shown")
        check("60 %" in row.text, "30 spent of 50 shows 60 %%: %r" % row.text)
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
