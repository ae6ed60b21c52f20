// memlab (the heap tests' second opinion on retained sizes) depends on puppeteer. kleak needs no
// browser from it, so `npm ci` downloads none: puppeteer's install script reads this file.
module.exports = { skipDownload: true };
