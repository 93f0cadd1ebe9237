// The «Почта» tab as an administrator meets it on a fresh tenant: locked and why, opened by a
// firm and a warehouse, a real test letter that arrives, an explained failure, the save, and the
// same save without JavaScript.
import { test, expect, Page } from "@playwright/test";
import { createServer, Socket } from "node:net";
import {
  createTenant, failOnPageErrors, hydrated, mail, mailboxCount, mailboxHas, officeCertificate, officeFingerprint, overflowWidth, signIn,
} from "./helpers";

test.describe.configure({ mode: "serial" });

const token = `e2e${Date.now()}`;
const ADMIN = { email: `mail-admin-${token}@romashka.test`, password: "пароль администратора" };

test.beforeAll(() => {
  createTenant(`Ромашка ${token}`, ADMIN.email, ADMIN.password);
});

test("the locked tab explains itself; a firm and a warehouse open it", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await hydrated(page);
  // The closed tab is a link a keyboard reaches; it leads to why it is closed.
  const locked = page.getByRole("link", { name: /Почта \(закрыта/ });
  await locked.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/setup\/mail$/);
  await expect(page.locator("#mail-tab-lock")).toContainText("станет доступна");
  await hydrated(page);
  await page.getByRole("link", { name: "Заполните вкладку «Наши фирмы»." }).click();

  await page.getByLabel("Наименование").fill("ООО «Ромашка»");
  await page.getByLabel("ИНН").fill("7707083893");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#firms-table")).toContainText("ООО «Ромашка»");

  await page.getByRole("link", { name: "Торговые точки и склады" }).click();
  await page.getByLabel("Вид").selectOption("warehouse");
  await page.getByLabel("Наименование").fill("Склад №1");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#outlets-table")).toContainText("Склад №1");

  await page.getByRole("link", { name: "Почта" }).click();
  await expect(page.locator("#mail-form")).toBeVisible();
  noErrors();
});

test("a test letter through the loopback Postfix arrives; a wrong password is explained; saving fills both places", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/setup/mail");
  await hydrated(page);

  // A service fills its servers and says what it needs before any password is typed.
  await page.getByLabel("Почтовый сервис").selectOption("google");
  await expect(page.getByLabel("SMTP-сервер")).toHaveValue("smtp.gmail.com");
  await expect(page.getByLabel("SMTP-сервер")).toHaveAttribute("readonly", "");
  await expect(page.locator("#password-hint")).toContainText("пароль приложения");

  await page.getByLabel("Почтовый сервис").selectOption("other");
  await page.getByLabel("SMTP-сервер").fill("localhost");
  await page.getByLabel("Порт").fill(mail.smtps);
  await page.getByLabel("Использовать SSL").check();
  await page.getByLabel("Адрес", { exact: true }).fill(`alice@${mail.domain}`);
  await page.getByLabel("Пароль").fill("неверный пароль");
  await page.getByLabel("Имя отправителя").fill("Магазин «Ромашка»");
  await page.getByLabel("Email отправителя").fill(`alice@${mail.domain}`);
  await page.getByLabel("Email получателя").fill(`bob@${mail.domain}`);

  await page.getByRole("button", { name: "Отправить" }).click();
  await expect(page.getByText("Сервер не принял логин или пароль.").first()).toBeVisible();
  await expect(page.locator(".server-reply")).toContainText("535");
  await expect(page.locator(".field-invalid input[name=password]")).toBeVisible();
  // The keyboard lands on the field to correct, which names its message.
  await expect(page.getByLabel("Пароль")).toBeFocused();
  await expect(page.getByLabel("Пароль")).toHaveAttribute("aria-describedby", "field-password-error");
  await expect(page.getByLabel("Использовать SSL")).toHaveAttribute("aria-describedby", "field-use_ssl-hint");

  await page.getByLabel("Пароль").fill(mail.password);
  await page.getByRole("button", { name: "Отправить" }).click();
  await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
  await expect(page.locator(".report li.ok")).toHaveCount(8);
  await expect.poll(() => mailboxHas("bob", token), { timeout: 15_000 }).toBe(true);

  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#mail-saved")).toBeVisible();
  await page.getByRole("link", { name: "CRM ► Уведомления ► Электронная почта" }).click();
  const group = page.locator("#crm-email-settings");
  await expect(page.locator("#crm-service")).toHaveText("Другой");
  await expect(group).toContainText("localhost");
  await expect(group).toContainText(mail.smtps);
  await expect(group).toContainText("Магазин «Ромашка»");
  await expect(group).toContainText("сохранён");

  // The same save made the directory account, shared and used for sending.
  await page.locator("#crm-account").click();
  await expect(page.getByRole("heading", { name: `alice@${mail.domain}` })).toBeVisible();
  await expect(page.getByLabel("Для отправки писем")).toBeChecked();
  await expect(page.getByLabel("Для всех")).toBeChecked();
  await page.getByRole("link", { name: "Справочники ► Учетные записи электронной почты" }).click();
  await expect(page.locator("#accounts-table")).toContainText(`alice@${mail.domain}`);
  noErrors();
});

/** Signs in, fills the tab for alice@`domain` on `host`:`port` with SSL on, a letter to
 *  bob@`domain`, and presses «Отправить». */
async function sendWithSsl(page: Page, port: string, host = "localhost", domain = mail.domain) {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/setup/mail");
  await hydrated(page);
  await page.getByLabel("Почтовый сервис").selectOption("other");
  await page.getByLabel("SMTP-сервер").fill(host);
  await page.getByLabel("Порт").fill(port);
  await page.getByLabel("Использовать SSL").check();
  await page.getByLabel("Адрес", { exact: true }).fill(`alice@${domain}`);
  await page.getByLabel("Пароль").fill(mail.password);
  await page.getByLabel("Email отправителя").fill(`alice@${domain}`);
  await page.getByLabel("Email получателя").fill(`bob@${domain}`);
  await page.getByRole("button", { name: "Отправить" }).click();
}

test("SSL on a STARTTLS port is explained, and the offered fix works with one click", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await sendWithSsl(page, mail.smtpStarttls);
  await expect(page.locator(".check-report .reason")).toHaveText("Включён SSL, а сервер на этом порту ждёт обычное соединение с STARTTLS.");

  await page.getByRole("button", { name: `Исправить: порт ${mail.smtpStarttls}, STARTTLS` }).click();
  await expect(page.getByLabel("Использовать SSL")).not.toBeChecked();
  await expect(page.getByLabel("Порт")).toHaveValue(mail.smtpStarttls);
  await page.getByRole("button", { name: "Отправить" }).click();
  await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
  noErrors();
});

test("the fix offered on a service's preset switches to «Другой» and is what gets sent", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/setup/mail");
  await hydrated(page);
  // A preset of the test servers that names SSL on the STARTTLS port, like an outdated preset.
  await page.getByLabel("Почтовый сервис").selectOption("pochta-test-outdated");
  await expect(page.getByLabel("Порт")).toHaveValue(mail.smtpStarttls);
  await page.getByLabel("Адрес", { exact: true }).fill(`alice@${mail.domain}`);
  await page.getByLabel("Имя отправителя").fill("Магазин «Ромашка»");
  await page.getByLabel("Пароль").fill(mail.password);
  await page.getByLabel("Email отправителя").fill(`alice@${mail.domain}`);
  await page.getByLabel("Email получателя").fill(`bob@${mail.domain}`);
  await page.getByRole("button", { name: "Отправить" }).click();
  await expect(page.locator(".check-report .reason")).toHaveText("Включён SSL, а сервер на этом порту ждёт обычное соединение с STARTTLS.");

  await page.getByRole("button", { name: `Исправить: порт ${mail.smtpStarttls}, STARTTLS` }).click();
  await expect(page.getByLabel("Почтовый сервис")).toHaveValue("other");
  await expect(page.getByLabel("SMTP-сервер")).toHaveValue("localhost");
  await expect(page.getByLabel("SMTP-сервер")).not.toHaveAttribute("readonly", "");
  await page.getByRole("button", { name: "Отправить" }).click();
  await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
  noErrors();
});

test("a server and addresses at почта.рф: the test letter arrives", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await sendWithSsl(page, mail.smtps, "smtp.почта.рф", "почта.рф");
  await expect(page.getByText("Тестовое письмо отправлено на bob@почта.рф")).toBeVisible();
  await expect.poll(() => mailboxHas("bob", token, mail.idnDomain), { timeout: 15_000 }).toBe(true);
  noErrors();
});

test("the report shows each step as it happens, not one spinner for the slowest", async ({ page }) => {
  // A server that accepts the connection and never says a word: TLS waits for its time-out.
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(Number(mail.silent), "127.0.0.1", resolve));
  try {
    const noErrors = failOnPageErrors(page);
    await sendWithSsl(page, mail.silent);

    // While the check still waits on TLS, the finished steps are already there, with times.
    const live = page.locator(".live-report");
    await expect(live.locator("li.ok", { hasText: "Соединение" })).toBeVisible({ timeout: 4_000 });
    await expect(live.locator("li.ok", { hasText: "Поиск сервера" })).toBeVisible();
    await expect(live.locator("li.ok .time").first()).toContainText("мс");
    await expect(page.locator(".check-report .reason")).toHaveText("Сервер не ответил вовремя.", { timeout: 15_000 });
    await expect(live).toHaveCount(0);
    noErrors();
  } finally {
    held.forEach((s) => s.destroy());
    silent.close();
  }
});

test("a company server's own certificate is trusted by its fingerprint, the letter arrives; a replaced one is refused showing both", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  officeCertificate("a");
  try {
    await sendWithSsl(page, mail.officeSmtps, "office.pochta.test");
    await expect(page.locator(".check-report .reason")).toHaveText("Сертификат сервера выдан неизвестным центром сертификации.");
    await expect(page.locator("#certificate-sha256")).toHaveText(officeFingerprint("a"));
    const before = mailboxCount("bob", token);
    await page.getByRole("button", { name: "Доверять этому сертификату" }).click();
    await expect(page.locator("#certificate-trusted")).toContainText(`office.pochta.test:${mail.officeSmtps}`);
    await page.getByRole("button", { name: "Отправить" }).click();
    await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
    await expect.poll(() => mailboxCount("bob", token), { timeout: 15_000 }).toBe(before + 1);

    // The company's server now shows another certificate: refused before any password is sent.
    officeCertificate("b");
    await page.getByRole("button", { name: "Отправить" }).click();
    await expect(page.locator(".check-report .reason")).toContainText("не тот сертификат, которому доверяет ваша компания");
    await expect(page.locator("#certificate-sha256")).toHaveText(officeFingerprint("b"));
    await expect(page.locator("#certificate-trusted-sha256")).toHaveText(officeFingerprint("a"));
    await expect(page.locator(".report li.bad .step-name")).toHaveText("Защищённое соединение (TLS)");
    expect(mailboxCount("bob", token)).toBe(before + 1);

    await page.goto("/program-settings");
    const trusted = page.locator("#trusted-certificates");
    await expect(trusted).toContainText(`office.pochta.test:${mail.officeSmtps}`);
    await expect(trusted).toContainText(officeFingerprint("a"));
    await expect(trusted).toContainText("Администратор");
  } finally {
    officeCertificate("a");
  }
  noErrors();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the save works as a plain HTML form", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/setup/mail");
    await expect(page.getByLabel("SMTP-сервер")).toHaveValue("localhost");
    await page.getByLabel("Имя отправителя").fill("Ромашка без JavaScript");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page.locator("#mail-saved")).toContainText("Сохранено");
    await page.goto("/program-settings");
    await expect(page.locator("#crm-email-settings")).toContainText("Ромашка без JavaScript");
  });

  test("a test letter shows its report after a plain form post", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/setup/mail");
    await page.getByLabel("Email получателя").fill(`bob@${mail.domain}`);
    await page.getByRole("button", { name: "Отправить" }).click();
    await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
    await expect(page.locator(".report li.ok").first()).toBeVisible();
  });

  test("on a 360 px phone a test letter to bob@почта.рф goes through smtp.почта.рф as a plain form", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/setup/mail");
    await page.getByLabel("SMTP-сервер").fill("smtp.почта.рф");
    await page.getByLabel("Порт").fill(mail.smtps);
    await page.getByLabel("Адрес", { exact: true }).fill("alice@почта.рф");
    await page.getByLabel("Пароль").fill(mail.password);
    await page.getByLabel("Email отправителя").fill("alice@почта.рф");
    await page.getByLabel("Email получателя").fill("bob@почта.рф");
    const before = mailboxCount("bob", token, mail.idnDomain);
    await page.getByRole("button", { name: "Отправить" }).click();
    await expect(page.getByText("Тестовое письмо отправлено на bob@почта.рф")).toBeVisible();
    await expect.poll(() => mailboxCount("bob", token, mail.idnDomain), { timeout: 15_000 }).toBe(before + 1);
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
  });

  test("the time zone is chosen with a plain form and every time follows it", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/program-settings");
    await expect(page.getByLabel("Часовой пояс организации")).toHaveValue("Europe/Moscow");
    await expect(page.locator("#crm-email-settings")).not.toContainText("UTC");
    await page.getByLabel("Часовой пояс организации").selectOption("Asia/Vladivostok");
    await page.locator("#time-zone-form").getByRole("button", { name: "Сохранить" }).click();
    await page.goto("/program-settings");
    await expect(page.getByLabel("Часовой пояс организации")).toHaveValue("Asia/Vladivostok");
    await expect(page.locator("#field-time_zone-hint")).toContainText("Сейчас там");
  });

  test("on a 360 px phone the company server's certificate is trusted, a replaced one refused, and the trust forgotten, as plain forms", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    officeCertificate("a");
    try {
      await signIn(page, ADMIN.email, ADMIN.password);
      await page.goto("/setup/mail");
      const fill = async () => {
        await page.getByLabel("SMTP-сервер").fill("office.pochta.test");
        await page.getByLabel("Порт").fill(mail.officeSubmission);
        await page.getByLabel("Использовать SSL").uncheck();
        await page.getByLabel("Адрес", { exact: true }).fill(`alice@${mail.domain}`);
        await page.getByLabel("Пароль").fill(mail.password);
        await page.getByLabel("Email отправителя").fill(`alice@${mail.domain}`);
        await page.getByLabel("Email получателя").fill(`bob@${mail.domain}`);
      };
      await fill();
      await page.getByRole("button", { name: "Отправить" }).click();
      await expect(page.locator("#certificate-sha256")).toHaveText(officeFingerprint("a"));
      expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
      await page.getByRole("button", { name: "Доверять этому сертификату" }).click();
      await expect(page.locator("#certificate-trusted")).toContainText(`office.pochta.test:${mail.officeSubmission}`);

      // What was typed is still in the form; only the password is asked again.
      await expect(page.getByLabel("SMTP-сервер")).toHaveValue("office.pochta.test");
      await expect(page.getByLabel("Порт")).toHaveValue(mail.officeSubmission);
      await expect(page.getByLabel("Использовать SSL")).not.toBeChecked();
      await expect(page.getByLabel("Пароль")).toHaveValue("");
      const before = mailboxCount("bob", token);
      await page.getByLabel("Пароль").fill(mail.password);
      await page.getByRole("button", { name: "Отправить" }).click();
      await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
      await expect.poll(() => mailboxCount("bob", token), { timeout: 15_000 }).toBe(before + 1);

      // The server's certificate is replaced: refused, both fingerprints on the phone's screen.
      officeCertificate("b");
      await fill();
      await page.getByRole("button", { name: "Отправить" }).click();
      await expect(page.locator(".check-report .reason")).toContainText("не тот сертификат");
      await expect(page.locator("#certificate-sha256")).toHaveText(officeFingerprint("b"));
      await expect(page.locator("#certificate-trusted-sha256")).toHaveText(officeFingerprint("a"));
      expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
      expect(mailboxCount("bob", token)).toBe(before + 1);
    } finally {
      officeCertificate("a");
    }

    await page.goto("/program-settings");
    const entry = page.locator("#trusted-certificates li", { hasText: `:${mail.officeSubmission}` });
    await entry.getByRole("button", { name: "Больше не доверять" }).click();
    await expect(page.locator("#trusted-certificates")).toBeVisible();
    await expect(page.locator("#trusted-certificates")).not.toContainText(`:${mail.officeSubmission}`);
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
  });

  test("a refused save shows its error at the field, with what was typed", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/setup/mail");
    await page.getByLabel("Имя отправителя").fill("Набрано и не потеряно");
    await page.getByLabel("Email отправителя").fill("не адрес");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page.getByText("Введите адрес в формате")).toBeVisible();
    await expect(page.getByLabel("Email отправителя")).toHaveValue("не адрес");
    await expect(page.getByLabel("Имя отправителя")).toHaveValue("Набрано и не потеряно");
  });
});
