// The directory «Учетные записи электронной почты» in the browser: automatic setup against the
// loopback servers, falling back to manual setup, and «Проверить настройки» with a password that
// is not stored.
import { test, expect } from "@playwright/test";
import { createTenant, failOnPageErrors, hydrated, mail, overflowWidth, signIn } from "./helpers";

test.describe.configure({ mode: "serial" });

const token = `acc${Date.now()}`;
const ADMIN = { email: `accounts-admin-${token}@romashka.test`, password: "пароль администратора" };

test.beforeAll(() => {
  createTenant(`Ромашка ${token}`, ADMIN.email, ADMIN.password);
});

/** Fills the open new-account form: `address`, `password`, sending and receiving. */
async function fillNewAccount(page: import("@playwright/test").Page, address: string, password: string, senderName: string) {
  await page.getByLabel("Адрес электронной почты").fill(address);
  await page.getByLabel("Пароль", { exact: true }).fill(password);
  await page.getByLabel("Для получения писем").check();
  await page.getByLabel("Имя отправителя").fill(senderName);
}

async function newAccount(page: import("@playwright/test").Page, user: string, password: string) {
  await page.goto("/directories/email-accounts/new");
  await hydrated(page);
  await fillNewAccount(page, `${user}@${mail.domain}`, password, `Ящик ${user}`);
}

test("an account is created automatically and listed with its check", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/directories/email-accounts");
  await expect(page.locator("#accounts-table")).toContainText("системная");
  await newAccount(page, "alice", mail.password);
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.locator("#account-saved")).toBeVisible({ timeout: 30_000 });
  const row = page.locator("#accounts-table tr", { hasText: `alice@${mail.domain}` });
  await expect(row).toContainText("Ящик alice");
  await expect(row).toContainText("Для всех");
  await expect(row).toContainText("отправка, получение");
  await expect(row).toContainText("пройдена");
  noErrors();
});

test("a failed automatic setup falls back to manual setup with what was found", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await newAccount(page, "bob", "неверный пароль");
  await page.getByRole("button", { name: "Создать" }).click();
  const stopped = page.locator("#automatic-stopped");
  await expect(stopped).toContainText("не прошли проверку", { timeout: 30_000 });
  await expect(stopped).toContainText("Сервер не принял логин или пароль.");
  await expect(page.getByLabel("Настроить параметры подключения вручную")).toBeChecked();
  await expect(page.locator("#smtp-settings").getByLabel("SMTP-сервер")).toHaveValue("localhost");
  await expect(page.locator("#smtp-settings").getByLabel("Порт")).toHaveValue(mail.smtps);
  await expect(page.locator("#incoming-settings").getByLabel("Порт")).toHaveValue(mail.imaps);

  await page.getByLabel("Пароль", { exact: true }).fill(mail.password);
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.locator("#account-saved")).toBeVisible({ timeout: 30_000 });
  await expect(page.locator("#accounts-table")).toContainText(`bob@${mail.domain}`);
  noErrors();
});

test("settings are checked with a password that is not stored", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await newAccount(page, "carol", mail.password);
  await page.getByLabel("Запомнить пароль").uncheck();
  await page.getByLabel("Только для меня").check();
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.locator("#account-saved")).toBeVisible({ timeout: 30_000 });

  await page.getByRole("link", { name: `carol@${mail.domain}` }).click();
  const check = page.locator("#check-settings");
  await expect(check.getByLabel("Пароль")).toBeVisible();
  await check.getByRole("button", { name: "Проверить настройки" }).click();
  await expect(check.getByText("Введите пароль: он нужен для проверки")).toBeVisible();
  await check.getByLabel("Пароль").fill(mail.password);
  await check.getByRole("button", { name: "Проверить настройки" }).click();
  await expect(check.getByText("Проверка пройдена.")).toBeVisible({ timeout: 30_000 });
  await expect(check.locator(".report li.ok").filter({ hasText: "Почтовый ящик" })).toHaveCount(1);
  await expect(check).toContainText("Писем в ящике");
  noErrors();
});

test("a search that finds nothing says so and offers to clear it", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/directories/email-accounts");
  await hydrated(page);
  await page.getByRole("searchbox", { name: "Поиск" }).fill("нет-такой-записи");
  await page.getByRole("button", { name: "Найти" }).click();
  await expect(page.locator("#accounts-not-found")).toContainText("Ничего не найдено.");
  await expect(page.getByText("Учетных записей пока нет.")).toHaveCount(0);
  await page.getByRole("link", { name: "Сбросить поиск" }).click();
  await expect(page.locator("#accounts-table")).toContainText(`alice@${mail.domain}`);
  noErrors();
});

test("the initial load date says what it does, not that Pochta loads mail", async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/directories/email-accounts/new");
  await hydrated(page);
  await page.getByLabel("Настроить параметры подключения вручную").check();
  // The hint is read out with the field.
  await expect(page.getByLabel("Дата начальной загрузки")).toHaveAttribute("aria-describedby", "field-initial_load_date-hint");
  await expect(page.locator("#field-initial_load_date-hint")).toContainText("Сама Pochta письма не загружает");
});

test("an address at почта.рф is set up automatically from its SRV records and listed in Cyrillic", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/directories/email-accounts/new");
  await hydrated(page);
  await fillNewAccount(page, "alice@почта.рф", mail.password, "Ящик на почта.рф");
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.locator("#account-saved")).toBeVisible({ timeout: 30_000 });
  const row = page.locator("#accounts-table tr", { hasText: "alice@почта.рф" });
  await expect(row).toContainText("отправка, получение");
  await expect(row).toContainText("пройдена");
  noErrors();
});

test.describe("on a 360 px phone", () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test("no page is wider than the screen; the accounts table scrolls inside its box", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    for (const path of ["/directories/email-accounts", "/directories/email-accounts/new", "/program-settings", "/setup/firms", "/setup/outlets", "/users"]) {
      await page.goto(path);
      await expect(page.locator("h1")).toBeVisible();
      const overflow = await overflowWidth(page);
      expect(overflow, `${path} is wider than the screen by ${overflow}px`).toBeLessThanOrEqual(0);
    }
    await page.goto("/directories/email-accounts");
    const search = await page.getByRole("searchbox", { name: "Поиск" }).boundingBox();
    expect(search!.x + search!.width).toBeLessThanOrEqual(360);
    const table = page.locator(".table-scroll", { has: page.locator("#accounts-table") });
    expect(await table.evaluate((e) => e.scrollWidth > e.clientWidth), "the table scrolls sideways in its box").toBe(true);
  });
});

test("«Удалить» asks first; the row goes once confirmed", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/directories/email-accounts");
  await hydrated(page);
  const row = page.locator("#accounts-table tr", { hasText: `carol@${mail.domain}` });
  await row.getByText("Удалить", { exact: true }).click();
  await expect(row).toContainText("Удалить учетную запись?");
  await row.getByRole("button", { name: "Да, удалить" }).click();
  await expect(page.locator("#accounts-table")).not.toContainText(`carol@${mail.domain}`);
  noErrors();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("on a 360 px phone an address at почта.рф is set up automatically as a plain form", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/directories/email-accounts/new");
    await fillNewAccount(page, "bob@почта.рф", mail.password, "Боб на почта.рф");
    await page.getByRole("button", { name: "Создать" }).click();
    await expect(page.locator("#account-saved")).toBeVisible({ timeout: 30_000 });
    const row = page.locator("#accounts-table tr", { hasText: "bob@почта.рф" });
    await expect(row).toContainText("пройдена");
    expect(await overflowWidth(page)).toBeLessThanOrEqual(0);
  });

  test("a failed automatic setup falls back to manual setup with what was found and typed, as a plain form", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/directories/email-accounts/new");
    await fillNewAccount(page, `dave@${mail.domain}`, "неверный пароль", "Ящик Дэйва");
    await page.getByRole("button", { name: "Создать" }).click();
    const stopped = page.locator("#automatic-stopped");
    await expect(stopped).toContainText("не прошли проверку", { timeout: 30_000 });
    await expect(stopped).toContainText("Сервер не принял логин или пароль.");
    // Nothing typed is lost but the password; the servers found are there to correct.
    await expect(page.getByLabel("Адрес электронной почты")).toHaveValue(`dave@${mail.domain}`);
    await expect(page.getByLabel("Имя отправителя")).toHaveValue("Ящик Дэйва");
    await expect(page.getByLabel("Для получения писем")).toBeChecked();
    await expect(page.getByLabel("Пароль", { exact: true })).toHaveValue("");
    await expect(page.getByLabel("Настроить параметры подключения вручную")).toBeChecked();
    await expect(page.locator("#smtp-settings").getByLabel("SMTP-сервер")).toHaveValue("localhost");
    await expect(page.locator("#incoming-settings").getByLabel("Порт")).toHaveValue(mail.imaps);

    await page.getByLabel("Пароль", { exact: true }).fill(mail.password);
    await page.getByRole("button", { name: "Создать" }).click();
    await expect(page.locator("#account-saved")).toBeVisible({ timeout: 30_000 });
    await expect(page.locator("#accounts-table")).toContainText(`dave@${mail.domain}`);
  });

  test("«Удалить» asks first too, and deletes once confirmed", async ({ page }) => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/directories/email-accounts");
    const row = page.locator("#accounts-table tr", { hasText: `bob@${mail.domain}` });
    await expect(row.getByRole("button", { name: "Да, удалить" })).toBeHidden();
    await row.getByText("Удалить", { exact: true }).click();
    await row.getByRole("button", { name: "Да, удалить" }).click();
    await expect(page.locator("#accounts-table")).toContainText(`alice@${mail.domain}`);
    await expect(page.locator("#accounts-table")).not.toContainText(`bob@${mail.domain}`);
  });
});
