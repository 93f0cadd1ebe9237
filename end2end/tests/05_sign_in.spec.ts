// «Войти через …» on the «Почта» tab and in the account editor: the whole sign-in with the
// loopback authorization server (mail-servers.sh; registered as Microsoft for the test service),
// its consent page included, back signed in, a test letter sent with the provider's token that
// arrives, the save, an account created with the sign-in; then the same without JavaScript.
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

/** Whether the authorization server stops `email`'s sign-ins at its consent page. */
async function askConsent(page: Page, email: string, ask: boolean) {
  const url = `${process.env.POCHTA_TEST_OAUTH_URL}/test/consent?email=${encodeURIComponent(email)}&ask=${ask ? 1 : 0}`;
  expect((await page.request.post(url)).ok()).toBe(true);
}

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
  await askConsent(page, `alice@${mail.domain}`, true);
  await button.click();

  // Off to the provider, which asks for consent, and back, signed in, with what was typed; no
  // password field.
  await page.getByRole("button", { name: "Allow" }).click();
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
  await askConsent(page, `alice@${mail.domain}`, false);
  noErrors();
});

test("a new account signs in with the provider in the editor and is created with it", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  const frank = `frank@${mail.domain}`;
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/directories/email-accounts/new");
  await hydrated(page);

  // The address names the service, and so the provider to sign in with.
  const button = page.getByRole("button", { name: "Войти через Microsoft" });
  await expect(button).toHaveCount(0);
  await page.getByLabel("Адрес электронной почты").fill(frank);
  await expect(button).toBeVisible();
  await page.getByLabel("Имя отправителя").fill("Склад у провайдера");

  // Declined at the provider: back in the editor, told so, with what was typed.
  await askConsent(page, frank, true);
  await button.click();
  await page.getByRole("link", { name: "Deny" }).click();
  await expect(page).toHaveURL(/\/directories\/email-accounts\/new\?run=/);
  await expect(page.locator("#account-form")).toContainText("Провайдер не разрешил вход");
  await expect(page.getByLabel("Имя отправителя")).toHaveValue("Склад у провайдера");

  // Allowed: signed in, no password asked; «Создать» checks the found servers with the token.
  await hydrated(page);
  await button.click();
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page.locator("#signed-in")).toContainText(frank);
  await expect(page.getByLabel("Пароль", { exact: true })).toBeHidden();
  await hydrated(page);
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page).toHaveURL(/\/directories\/email-accounts\?saved=1/);
  const row = page.locator("#accounts-table tr", { hasText: frank });
  await expect(row).toContainText("вход через Microsoft");
  await askConsent(page, frank, false);
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

  test("a saved account signs in again and is saved from the editor as plain forms", async ({ page }) => {
    const frank = `frank@${mail.domain}`;
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/directories/email-accounts");
    await page.locator("#accounts-table tr", { hasText: frank }).getByRole("link").first().click();
    await expect(page.locator("#signed-in")).toContainText(frank);
    await page.getByRole("button", { name: "Войти через Microsoft" }).click();
    await expect(page).toHaveURL(/\/directories\/email-accounts\/\d+\?run=/);
    await expect(page.locator("#signed-in")).toContainText(frank);
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page).toHaveURL(/\/directories\/email-accounts\?saved=1/);
  });

  test("a saved account goes back to an app password as a plain form", async ({ page }) => {
    const frank = `frank@${mail.domain}`;
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/directories/email-accounts");
    await page.locator("#accounts-table tr", { hasText: frank }).getByRole("link").first().click();
    await page.getByRole("button", { name: "Ввести пароль приложения вместо входа через Microsoft" }).click();
    await expect(page).toHaveURL(/\/directories\/email-accounts\/\d+\?run=/);
    await expect(page.locator("#signed-in")).toHaveCount(0);
    await page.locator("#account-form input[name=password]").fill(mail.password);
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page).toHaveURL(/\/directories\/email-accounts\?saved=1/);
    await expect(page.locator("#accounts-table tr", { hasText: frank })).not.toContainText("вход через");
  });
});

test("the «Почта» tab goes back to an app password", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/setup/mail");
  await hydrated(page);
  await expect(page.locator("#signed-in")).toContainText(`alice@${mail.domain}`);
  await expect(page.getByLabel("Пароль", { exact: true })).toBeHidden();
  await page.getByRole("button", { name: "Ввести пароль приложения вместо входа через Microsoft" }).click();
  await expect(page.locator("#signed-in")).toHaveCount(0);
  await page.getByLabel("Пароль", { exact: true }).fill(mail.password);
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.locator("#mail-saved")).toContainText("Сохранено");
  await page.goto("/setup/mail");
  await expect(page.locator("#signed-in")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Войти через Microsoft" })).toBeVisible();
  noErrors();
});
