// «Уведомления» as an administrator meets it: a key for the host application made and shown once,
// a letter the host application queues with it arriving and listed as sent in the open journal, a
// refused one explained, the key revoked; and the same page without JavaScript on a phone.
import { test, expect, Page } from "@playwright/test";
import { createTenant, failOnPageErrors, hydrated, mail, mailboxHas, overflowWidth, signIn } from "./helpers";

test.describe.configure({ mode: "serial" });

const token = `e2e${Date.now()}`;
const ADMIN = { email: `notify-admin-${token}@romashka.test`, password: "пароль администратора" };

test.beforeAll(() => {
  createTenant(`Уведомления ${token}`, ADMIN.email, ADMIN.password);
});

/** The «Почта» tab saved for alice on the loopback Postfix, through the server functions (the
 *  tab itself is the subject of 02_mail_tab). */
async function saveMailTab(page: Page) {
  const api = page.request;
  const firm = await api.post("/api/setup/save_firm", {
    form: { id: "", version: "", name: "ООО «Ромашка»", inn: "7707083893", kpp: "773601001", address: "Москва", phone: "+7 495 000-00-00", email: "" },
  });
  expect(firm.ok(), await firm.text()).toBe(true);
  const outlet = await api.post("/api/setup/save_outlet", {
    form: { id: "", version: "", kind: "warehouse", name: "Склад №1", firm: String(await firm.json()), address: "" },
  });
  expect(outlet.ok(), await outlet.text()).toBe(true);
  const saved = await api.post("/api/crm_email/submit", {
    form: {
      intent: "save", provider: "other", smtp_host: "localhost", use_ssl: "true", smtp_port: mail.smtps,
      login: `alice@${mail.domain}`, password: mail.password, sender_name: "Магазин «Ромашка»",
      sender_email: `alice@${mail.domain}`, recipient: "", version: "0",
    },
  });
  expect(saved.ok(), await saved.text()).toBe(true);
}

test("a key is made and shown once; the host application's letter arrives and is listed; a refused one is explained; the key is revoked", async ({ page, request }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await saveMailTab(page);
  await page.getByRole("link", { name: "Уведомления" }).click();
  await expect(page.getByRole("heading", { name: "Уведомления клиентам" })).toBeVisible();
  await hydrated(page);
  await expect(page.locator("#journal")).toContainText("Писем пока нет.");

  await page.getByRole("button", { name: "Создать ключ" }).click();
  await expect(page.locator("#new-key-form")).toContainText("Заполните это поле.");
  await page.getByLabel("Для чего ключ").fill("Интернет-магазин");
  await page.getByRole("button", { name: "Создать ключ" }).click();
  const key = (await page.locator("#new-api-key code").textContent()) ?? "";
  expect(key).toMatch(/^pochta_/);
  await expect(page.locator("ul.api-keys")).toContainText("Интернет-магазин");

  // The host application (here: Playwright's own HTTP client, without the browser's cookies).
  const post = (body: object) =>
    request.post("/api/v1/notifications", { headers: { Authorization: `Bearer ${key}` }, data: body });
  const subject = `Заказ готов ${token}`;
  expect((await post({ to: [`bob@${mail.domain}`], subject, text: `Ваш заказ order-${token} готов.` })).status()).toBe(202);
  expect((await post({ to: [`nobody-${token}@${mail.domain}`], subject: `Никому ${token}`, text: "Т." })).status()).toBe(202);
  await expect.poll(() => mailboxHas("bob", `order-${token}`), { timeout: 15_000 }).toBe(true);

  // The open journal keeps itself current: both letters appear, and end, without a reload.
  await expect.poll(async () => [
    await page.locator("#journal-table tr.letter.sent").count(),
    await page.locator("#journal-table tr.letter.failed").count(),
  ], { timeout: 20_000 }).toEqual([1, 1]);
  await expect(page.locator("#journal-table tr.letter.sent")).toContainText(subject);
  await expect(page.locator("#journal-table tr.letter.failed")).toContainText("Сервер не принял адрес получателя.");
  // The test mail server's certificate is valid for two days: the account's health says so.
  await expect(page.locator("#account-health")).toContainText(`Сертификат почтового сервера учетной записи alice@${mail.domain}`);

  // Only the failed ones, chosen with the filter.
  await page.getByLabel("Статус").selectOption("failed");
  await page.getByRole("button", { name: "Применить" }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(page.locator("#journal-table tr.letter")).toHaveCount(1);

  await page.getByRole("button", { name: "Отозвать" }).click();
  await expect(page.locator("ul.api-keys")).toContainText("отозван");
  expect((await post({ to: [`bob@${mail.domain}`], subject: "x", text: "y" })).status()).toBe(401);
  noErrors();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });

  test("on a 360 px phone a key is made and shown once, and the journal is filtered, as plain forms", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/notifications");
    await page.getByLabel("Для чего ключ").fill("Склад");
    await page.getByRole("button", { name: "Создать ключ" }).click();
    await expect(page).toHaveURL(/\/notifications$/);
    await expect(page.locator("#new-api-key code")).toHaveText(/^pochta_/);
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
    await page.reload();
    await expect(page.locator("#new-api-key")).toHaveCount(0);

    await page.getByLabel("Статус").selectOption("sent");
    await page.getByRole("button", { name: "Применить" }).click();
    await expect(page.locator("#journal-table tr.letter")).toHaveCount(1);
    await expect(page.locator("#journal-table")).toContainText(`Заказ готов ${token}`);
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);

    // The period: today (in the organisation's time zone, Moscow) has the letter, tomorrow none.
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Europe/Moscow" });
    await page.getByLabel("С", { exact: true }).fill(day(0));
    await page.getByRole("button", { name: "Применить" }).click();
    await expect(page).toHaveURL(new RegExp(`from=${day(0)}`));
    await expect(page.locator("#journal-table tr.letter")).toHaveCount(1);
    await page.getByLabel("С", { exact: true }).fill(day(1));
    await page.getByRole("button", { name: "Применить" }).click();
    await expect(page.locator("#journal")).toContainText("Писем с такими условиями нет.");
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
  });
});
