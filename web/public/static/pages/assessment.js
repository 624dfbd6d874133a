// assessment.js - placeholder until the self-assessment (issue 6) lands.
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';

export async function render(root) {
  root.append(h('h1', t('page.assessment')), h('div.card.placeholder', h('p', t('assessment.coming'))));
}
