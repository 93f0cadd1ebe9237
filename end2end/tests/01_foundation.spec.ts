// The foundation as a person meets it: first run, sign-in, finding their way, switching
// language, and signing in without JavaScript. Runs in order on one fresh server.
import { test, expect } from "@playwright/test";
import { failOnPageErrors, hydrated } from "./helpers";

test.describe.configure({ mode: "serial" });

const ADMIN = { email: "anna@romashka.test", password: "очень надёжный пароль" };

test("a new deployment asks for the organisation and its administrator", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/first-run$/);
  await expect(page.getByRole("heading", { name: "Первый запуск" })).toBeVisible();
  await hydrated(page);

  // A mistake is explained at its field and nothing is lost.
  await page.getByLabel("Организация").fill("ООО «Ромашка»");
  await page.getByLabel("Имя и фамилия").fill("Анна Смирнова");
  await page.getByLabel("Электронная почта").fill("anna-at-romashka");
  await page.getByLabel("Новый пароль").fill(ADMIN.password);
  await page.getByLabel("Пароль ещё раз").fill(ADMIN.password);
  await page.getByRole("button", { name: "Создать и войти" }).click();
  await expect(page.getByText("Введите адрес в формате")).toBeVisible();
  await expect(page.getByLabel("Организация")).toHaveValue("ООО «Ромашка»");

  await page.getByLabel("Электронная почта").fill(ADMIN.email);
  await page.getByRole("button", { name: "Создать и войти" }).click();
  await expect(page).toHaveURL(/\/setup\/firms$/);
  await expect(page.getByText("ООО «Ромашка»")).toBeVisible();
  noErrors();
});

test("an administrator signs in, finds every section, and switches to English", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Электронная почта").fill(ADMIN.email);
  await page.getByLabel("Пароль").fill("не тот пароль");
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page.getByRole("alert")).toHaveText("Неверная электронная почта или пароль.");

  await page.getByLabel("Пароль").fill(ADMIN.password);
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page).toHaveURL(/\/setup\/firms$/);
  await hydrated(page);

  // Navigation inside the hydrated app happens without reloading the page.
  await page.evaluate(() => ((window as any).__stillTheSamePage = true));
  await page.getByRole("link", { name: "Торговые точки и склады" }).click();
  await expect(page).toHaveURL(/\/setup\/outlets$/);
  await page.getByRole("link", { name: "Настройки программы" }).click();
  await expect(page.getByRole("heading", { name: "Настройки программы" })).toBeVisible();
  await expect(page.getByText("CRM ► Уведомления ► Электронная почта")).toBeVisible();
  await page.getByRole("link", { name: "Справочники ► Учетные записи электронной почты" }).click();
  await expect(page.getByRole("heading", { name: "Учетные записи электронной почты" })).toBeVisible();
  await page.getByRole("link", { name: "Пользователи" }).click();
  await expect(page.getByRole("heading", { name: "Пользователи" })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__stillTheSamePage)).toBe(true);

  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  noErrors();
});

test("an administrator invites a user who signs in and chooses a password", async ({ page, browser }) => {
  const noErrors = failOnPageErrors(page);
  // A new browser shows Russian until the user signs in; then the language they chose applies.
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Электронная почта").fill(ADMIN.email);
  await page.getByLabel("Пароль").fill(ADMIN.password);
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page).toHaveURL(/\/setup\/firms$/);
  await expect(page.getByRole("heading", { name: "Setup" })).toBeVisible();
  await page.getByRole("link", { name: "Users" }).click();
  await hydrated(page);
  const form = page.locator("#add-user-form");
  await form.getByLabel("Full name").fill("Борис Петров");
  await form.getByLabel("E-mail").fill("boris@romashka.test");
  await form.getByRole("button", { name: "Add" }).click();
  const secret = await page.locator("#invitation code").innerText();
  await expect(page.locator("#users-table")).toContainText("boris@romashka.test");
  noErrors();

  const boris = await (await browser.newContext()).newPage();
  await boris.goto("/sign-in");
  await hydrated(boris);
  await boris.getByLabel("Электронная почта").fill("boris@romashka.test");
  await boris.getByLabel("Пароль").fill(secret);
  await boris.getByRole("button", { name: "Войти" }).click();
  await expect(boris).toHaveURL(/\/set-password\?token=/);
  await boris.getByLabel("Новый пароль").fill("пароль бориса 2026");
  await boris.getByLabel("Пароль ещё раз").fill("пароль бориса 2026");
  await boris.getByRole("button", { name: "Сохранить пароль и войти" }).click();
  await expect(boris).toHaveURL(/\/setup\/firms$/);
  await expect(boris.getByRole("link", { name: "Пользователи" })).toHaveCount(0); // not an administrator
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in works as a plain HTML form and shows its errors", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Электронная почта").fill(ADMIN.email);
    await page.getByLabel("Пароль").fill("неверно");
    await page.getByRole("button", { name: "Войти" }).click();
    await expect(page.getByRole("alert")).toHaveText("Неверная электронная почта или пароль.");

    await page.getByLabel("Электронная почта").fill(ADMIN.email);
    await page.getByLabel("Пароль").fill(ADMIN.password);
    await page.getByRole("button", { name: "Войти" }).click();
    await expect(page).toHaveURL(/\/$|\/setup\/firms$/);
    await expect(page.getByRole("heading", { name: "Setup" })).toBeVisible();
  });
});
