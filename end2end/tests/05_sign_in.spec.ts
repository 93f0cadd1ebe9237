// «Войти через …» on the «Почта» tab: the whole sign-in with the loopback authorization server
// (mail-servers.sh; registered as Microsoft for the test service), back to the tab signed in,
// a test letter sent with the provider's token that arrives, and the save; then the same sign-in
// and letter without JavaScript.
import { test, expect, Page } from "@playwright/test";
import { createTenant, failOnPageErrors, hydrated, mail, mailboxCount, overflowWidth, signIn } from "./helpers";

test.describe.configure({ mode: "serial" });
// The authorization server's certificate comes from the test CA: the app checks it against that
// CA; the browser is told to accept it.
test.use({ ignoreHTTPSErrors: true });

const token = `e2e${Date.now()}`;
const ADMIN = { email: `oauth-admin-${token}@romashka.test`, password: "пароль администратора" };

test.beforeAll(() => {
  createTenant(`Провайдер ${token}`, ADMIN.email, ADMIN.password);
});

/** A firm and a warehouse, so the «Почта» tab opens. */
async function openMailTab(page: Page) {
  await page.goto("/setup/firms");
  await page.getByLabel("Наименование").fill("ООО «Провайдер»");
  await page.getByLabel("ИНН").fill("7707083893");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#firms-table")).toContainText("ООО «Провайдер»");
  await page.goto("/setup/outlets");
  await page.getByLabel("Вид").selectOption("warehouse");
  await page.getByLabel("Наименование").fill("Склад №1");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#outlets-table")).toContainText("Склад №1");
}

/** «Отправить» with the tab as it is: the letter names the organisation (and so `token`) and
 *  arrives in bob's mailbox. */
async function sendTestLetter(page: Page) {
  const before = mailboxCount("bob", token);
  await page.getByLabel("Email отправителя").fill(`alice@${mail.domain}`);
  await page.getByLabel("Email получателя").fill(`bob@${mail.domain}`);
  await page.getByRole("button", { name: "Отправить" }).click();
  await expect(page.getByText(`Тестовое письмо отправлено на bob@${mail.domain}`)).toBeVisible();
  await expect.poll(() => mailboxCount("bob", token), { timeout: 15_000 }).toBe(before + 1);
}

test("an administrator signs in with the provider, sends a test letter that arrives, and saves", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await hydrated(page);
  await openMailTab(page);
  await page.goto("/setup/mail");
  await hydrated(page);

  // Choosing the service offers its provider's sign-in, recommended over an app password.
  await page.getByLabel("Почтовый сервис").selectOption("pochta-test");
  const button = page.getByRole("button", { name: "Войти через Microsoft" });
  await expect(button).toBeVisible();
  await expect(page.locator("#sign-in-with")).toContainText("Рекомендуется");
  await page.getByLabel("Адрес", { exact: true }).fill(`alice@${mail.domain}`);
  await page.getByLabel("Имя отправителя").fill("Магазин у провайдера");
  await button.click();

  // Off to the provider and back, signed in, with what was typed; no password field.
  await expect(page).toHaveURL(/\/setup\/mail\?run=/);
  await expect(page.locator("#signed-in")).toContainText(`alice@${mail.domain}`);
  await expect(page.getByLabel("Имя отправителя")).toHaveValue("Магазин у провайдера");
  await expect(page.getByLabel("Пароль")).toBeHidden();
  await hydrated(page);

  await sendTestLetter(page);
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#mail-saved")).toContainText("Сохранено");
  await page.goto("/setup/mail");
  await expect(page.locator("#signed-in")).toContainText(`alice@${mail.domain}`);
  noErrors();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("on a 360 px phone, signing in again and a test letter work as plain forms", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/setup/mail");
    await expect(page.locator("#signed-in")).toContainText(`alice@${mail.domain}`);
    await page.getByRole("button", { name: "Войти через Microsoft" }).click();
    await expect(page).toHaveURL(/\/setup\/mail\?run=/);
    await expect(page.locator("#signed-in")).toContainText(`alice@${mail.domain}`);
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
    await sendTestLetter(page);
  });
});
