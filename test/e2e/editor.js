#!/usr/bin/env node
// test/e2e/editor.js - check that the "Train ResNet-18" node renders in a real n8n editor.
//
// Usage (Node 24; playwright-core must resolve, e.g. NODE_PATH=$E2E_LAB/pw/node_modules; see
// n8n_editor_check in n8n.sh):
//   node editor.js <baseUrl> <email> <password> <screenshot.png>
// Logs in, opens a new workflow, adds "Train ResNet-18" through the node creator (search box),
// reads the rendered Batch Size / Epochs / Learning Rate / Eval Steps inputs and prints
//   {"batchSize":8,"epochs":1,"learningRate":0.00005,"evalSteps":1}
// on stdout (only that line). Progress goes to stderr. Exits 1 with "editor.js: FAIL ..." on failure;
// <screenshot.png> is written on success and on failure (best effort), plus <name>-creator.png
// (search result) and <name>-card.png (community-node details card, when one shows).
// Env: E2E_CHROMIUM (default /usr/bin/chromium), E2E_EDITOR_TIMEOUT_MS (default 60000 per step),
//      E2E_EDITOR_NODE ("Train ResNet-18"), E2E_EDITOR_HEADED=1 to watch.
'use strict';

const NODE_DISPLAY_NAME = process.env.E2E_EDITOR_NODE || 'Train ResNet-18';
const PARAMS = [
	// [json key, parameter name, display name]
	['batchSize', 'batchSize', 'Batch Size'],
	['epochs', 'epochs', 'Epochs'],
	['learningRate', 'learningRate', 'Learning Rate'],
	['evalSteps', 'evalSteps', 'Eval Steps'],
];
const TIMEOUT = Number(process.env.E2E_EDITOR_TIMEOUT_MS || 60000);

function loadPlaywright() {
	try {
		return require('playwright-core');
	} catch (e) {
		const lab = process.env.E2E_LAB;
		if (lab) {
			try {
				return require(require.resolve('playwright-core', { paths: [`${lab}/pw`] }));
			} catch {}
		}
		fail(
			`cannot load playwright-core (${e.message}); run n8n_playwright_install and set NODE_PATH=$E2E_LAB/pw/node_modules`,
		);
	}
}

function log(msg) {
	process.stderr.write(`[editor.js ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
function fail(msg) {
	process.stderr.write(`editor.js: FAIL ${msg}\n`);
	process.exit(1);
}

async function main() {
	const [base, email, password, shot] = process.argv.slice(2);
	if (!base || !email || !password || !shot) {
		fail('usage: node editor.js <baseUrl> <email> <password> <screenshot.png>');
	}
	const { chromium } = loadPlaywright();
	const t0 = Date.now();
	const browser = await chromium.launch({
		executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
		headless: process.env.E2E_EDITOR_HEADED !== '1',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-dev-shm-usage',
			'--disable-quic',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
			'--mute-audio',
		],
	});
	let page;
	let step = 'launch';
	try {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		context.setDefaultTimeout(TIMEOUT);
		page = await context.newPage();
		const consoleErrors = [];
		page.on('pageerror', (e) => consoleErrors.push(String(e)));

		step = 'sign in';
		await page.goto(`${base.replace(/\/$/, '')}/signin`, { waitUntil: 'domcontentloaded' });
		await page.locator('input[name="emailOrLdapLoginId"], input[type="email"]').first().fill(email);
		await page.locator('input[type="password"]').first().fill(password);
		await page.keyboard.press('Enter');
		await page.waitForURL((u) => !u.pathname.includes('/signin'), { timeout: TIMEOUT });
		log(`signed in (${Date.now() - t0} ms)`);

		step = 'open a new workflow';
		await page.goto(`${base.replace(/\/$/, '')}/workflow/new`, { waitUntil: 'domcontentloaded' });
		await dismissPopups(page);
		const canvasAdd = page.locator('[data-test-id="canvas-add-button"]');
		const plus = page.locator('[data-test-id="node-creator-plus-button"]');
		await canvasAdd.or(plus).first().waitFor({ state: 'visible' });
		log(`new workflow open (${Date.now() - t0} ms)`);

		step = 'open the node creator';
		await dismissPopups(page);
		if (await canvasAdd.isVisible()) await canvasAdd.click();
		else await plus.click();
		const search = page
			.locator(
				'[data-test-id="node-creator-search-bar"] input, [data-test-id="node-creator-search-bar"]',
			)
			.first();
		await search.waitFor({ state: 'visible' });

		step = `search "${NODE_DISPLAY_NAME}"`;
		const searchInput =
			(await search.evaluate((el) => el.tagName)) === 'INPUT'
				? search
				: page.locator('[data-test-id="node-creator-search-bar"] input').first();
		await searchInput.fill(NODE_DISPLAY_NAME);
		// exact name match, so e.g. "Train ResNet-18 Tool" or a longer name is never picked instead
		const exact = new RegExp(
			`^\\s*${NODE_DISPLAY_NAME.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`,
		);
		const item = page
			.locator('[data-test-id="node-creator-item-name"]')
			.filter({ hasText: exact })
			.first();
		try {
			await item.waitFor({ state: 'visible' });
		} catch (e) {
			await shotQuiet(page, shot);
			throw new Error(
				`"${NODE_DISPLAY_NAME}" not found in the node creator (is the package deployed and n8n restarted?)`,
			);
		}
		await shotQuiet(page, shot.replace(/(\.png)?$/, '-creator.png'));

		step = `add "${NODE_DISPLAY_NAME}"`;
		await item.click();
		const firstParam = paramInput(page, PARAMS[0][1], PARAMS[0][2]);
		// A community node may first show a details card (package info + "Add to workflow"/"Add node"
		// button) or, for a node with actions, an action list. Handle both until the NDV shows.
		const deadline = Date.now() + TIMEOUT;
		for (;;) {
			if (await firstParam.isVisible().catch(() => false)) break;
			const addBtn = page
				.locator('[data-test-id="node-creator"] button, .el-drawer button, [role="dialog"] button')
				.filter({ hasText: /add (to workflow|node)|^\s*add\s*$/i })
				.first();
			if (await addBtn.isVisible().catch(() => false)) {
				log(`details card: clicking "${(await addBtn.innerText()).trim()}"`);
				await shotQuiet(page, shot.replace(/(\.png)?$/, '-card.png'));
				await addBtn.click();
			} else {
				// Train ResNet-18 v2 has two operations: the node creator lists them as actions ("Set the live version
				// of a model", "Train a model"); the parameters read here are Train's.
				const train = page.getByText(/^\s*Train a model\s*$/).first();
				const action = (await train.isVisible().catch(() => false))
					? train
					: page.locator('[data-test-id="node-creator-action-item"]').first();
				if (await action.isVisible().catch(() => false)) {
					log(`action list: picking "${(await action.innerText()).trim()}"`);
					await action.click();
				}
			}
			if (Date.now() > deadline)
				throw new Error('the node parameters panel (NDV) never showed the Batch Size input');
			await page.waitForTimeout(500);
		}
		log(`node added, parameters panel open (${Date.now() - t0} ms)`);

		step = 'read parameters';
		const out = {};
		for (const [key, name, label] of PARAMS) {
			const loc = paramInput(page, name, label);
			await loc.waitFor({ state: 'visible' });
			const raw = (await loc.inputValue()).trim();
			const num = Number(raw.replace(/,/g, ''));
			if (raw === '' || !Number.isFinite(num))
				throw new Error(`parameter "${label}" shows "${raw}", not a number`);
			out[key] = num;
		}
		await page.waitForTimeout(300);
		await page.screenshot({ path: shot });
		if (consoleErrors.length) log(`page errors: ${consoleErrors.slice(0, 3).join(' | ')}`);
		log(`done in ${Date.now() - t0} ms; screenshot ${shot}`);
		process.stdout.write(JSON.stringify(out) + '\n');
	} catch (e) {
		if (page) await shotQuiet(page, shot);
		await browser.close().catch(() => {});
		fail(`${step}: ${e && e.message ? e.message.split('\n')[0] : e} (screenshot ${shot})`);
	}
	await browser.close();
}

// The <input> of a parameter in the NDV: by data-test-id, else by its label text.
function paramInput(page, name, label) {
	const byId = page.locator(`[data-test-id="parameter-input-${name}"] input`).first();
	const byLabel = page
		.locator('[data-test-id="parameter-item"], .parameter-item')
		.filter({ has: page.getByText(label, { exact: true }) })
		.locator('input')
		.first();
	return byId.or(byLabel).first();
}

async function dismissPopups(page) {
	// Best effort: close "what's new"/survey modals or banners that may cover the canvas.
	for (const sel of [
		'[data-test-id="personalization-form"] button',
		'.el-dialog__headerbtn',
		'.el-message-box__close',
	]) {
		const b = page.locator(sel).first();
		if (await b.isVisible().catch(() => false)) await b.click().catch(() => {});
	}
}

async function shotQuiet(page, path) {
	try {
		await page.screenshot({ path });
	} catch {}
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
