"""What the receiver of the test email decided: its Authentication-Results (read with authres), and each
DKIM-Signature verified again with dkimpy, its key looked up through our resolver. The only way to see the real
selector and alignment without reading the mailbox."""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass

import authres
import dkim

from core.deliverability import dkim_keys
from core.deliverability.dmarc import aligned
from core.deliverability.findings import Finding, FindingStatus
from core.dns import DnsResolver, DnsUnavailable
from core.i18n import N_, _

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
MAX_PASTE = 2_000_000
MAX_SIGNATURES = 5
RESULT_STATUS: dict[str, FindingStatus] = {
    'pass': GOOD,
    'fail': PROBLEM,
    'softfail': PROBLEM,
    'permerror': PROBLEM,
    'policy': PROBLEM,
    'neutral': WARN,
    'none': WARN,
    'temperror': UNKNOWN,
}
METHOD_TITLES = {'spf': 'SPF', 'dkim': 'DKIM', 'dmarc': 'DMARC'}
HOW_TO_PASTE = N_(
    'In the email you received, open the full headers (Gmail: ⋮ → Show original; Outlook: File → Properties → '
    'Internet headers; Apple Mail: View → Message → All Headers) and paste them here, from the first line to the last.'
)


@dataclass(frozen=True)
class HeaderAnalysis:
    """Findings from a pasted email; `error` instead when the paste cannot be read as one."""

    findings: tuple[Finding, ...] = ()
    error: str = ''
    from_domain: str = ''
    receiver: str = ''


async def analyse_headers(text: str, expected_domain: str, resolver: DnsResolver) -> HeaderAnalysis:
    raw = _normalise(text)
    if not raw.strip():
        return HeaderAnalysis(error=_('Nothing to check: the box is empty.') + ' ' + _(HOW_TO_PASTE))
    if len(raw) > MAX_PASTE:
        return HeaderAnalysis(
            error=_('This is too long to be the headers of one email (over 2 MB).') + ' ' + _(HOW_TO_PASTE)
        )
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    names = {name.lower() for name in message}
    if not names & {'from', 'authentication-results', 'dkim-signature', 'received'}:
        return HeaderAnalysis(
            error=_(
                'This does not look like the headers of an email: no From, Received, Authentication-Results or '
                'DKIM-Signature line was found.'
            )
            + ' '
            + _(HOW_TO_PASTE)
        )
    from_domain = _from_domain(message.get('From', ''))
    findings: list[Finding] = []
    if from_domain and expected_domain and not aligned(from_domain, expected_domain):
        findings.append(
            Finding(
                'headers-from',
                _('Which email'),
                WARN,
                _('This email is from {domain}, not from your sending address at {expected}.').format(
                    domain=from_domain, expected=expected_domain
                ),
                _('The results below are about that other email, not about the emails Mailroom sends.'),
                _('Send a test email from Email settings, open it where it arrived and paste its headers.'),
            )
        )
    results, receiver = _receiver_results(message.get_all('Authentication-Results') or [])
    findings += results
    findings += await _signatures(raw, message.get_all('DKIM-Signature') or [], from_domain, resolver)
    return HeaderAnalysis(tuple(findings), from_domain=from_domain, receiver=receiver)


def _normalise(text: str) -> bytes:
    """Pasted text: leading blank lines and a mailbox "From " line dropped, line ends as the email had them."""
    lines = text.lstrip('\r\n \t').splitlines()
    if lines and lines[0].startswith('From ') and ':' not in lines[0].split()[0]:
        lines = lines[1:]
    return '\r\n'.join(lines).encode('utf-8', 'surrogateescape') + b'\r\n'


def _from_domain(value: str) -> str:
    match = re.search(r'@([A-Za-z0-9.\-]+)', value or '')
    return match.group(1).lower().rstrip('.') if match else ''


def _receiver_results(headers: list[str]) -> tuple[list[Finding], str]:
    """The topmost Authentication-Results: the last server, the recipient's own, added it."""
    if not headers:
        return [
            Finding(
                'headers-results',
                _('Receiver’s checks'),
                WARN,
                _('These headers hold no Authentication-Results line, so it is not known what the receiver decided.'),
                _(
                    'The receiving mail server records its SPF, DKIM and DMARC checks in that line. Some servers do '
                    'not add it, and a partial paste can leave it out.'
                ),
                _(HOW_TO_PASTE),
            )
        ], ''
    try:
        header = authres.AuthenticationResultsHeader.parse_value(' '.join(headers[0].split()))
    except authres.AuthResError as error:
        return [
            Finding(
                'headers-results',
                _('Receiver’s checks'),
                WARN,
                _('The Authentication-Results line cannot be read ({error}).').format(error=error),
                _('It may have been cut off while copying.'),
                _(HOW_TO_PASTE),
            )
        ], ''
    receiver = str(header.authserv_id)
    findings = []
    for method in ('spf', 'dkim', 'dmarc'):
        found = [result for result in header.results if str(result.method).lower() == method]
        if not found:
            continue
        outcome = next((r for r in found if str(r.result).lower() == 'pass'), found[0])
        value = str(outcome.result).lower()
        about = ', '.join(f'{p.type}.{p.name}={p.value}' for p in outcome.properties if p.name != 'b')
        reports = (
            _('{receiver} reports {method} {result} ({properties}).')
            if about
            else _('{receiver} reports {method} {result}.')
        )
        findings.append(
            Finding(
                f'headers-{method}',
                _('{method} at the receiver').format(method=METHOD_TITLES[method]),
                RESULT_STATUS.get(value, WARN),
                reports.format(receiver=receiver, method=METHOD_TITLES[method], result=value, properties=about),
                _result_meaning(method, value),
                '' if value == 'pass' else _('See the matching finding of the domain check above for what to change.'),
                {N_('Reason'): str(outcome.reason)} if outcome.reason else {},
            )
        )
    return findings, receiver


def _result_meaning(method: str, value: str) -> str:
    if value == 'pass':
        return _('The receiving server checked {method} and it passed.').format(method=METHOD_TITLES[method])
    if value == 'temperror':
        return _('The receiving server could not finish this check (a temporary DNS problem on its side).')
    if method == 'dmarc':
        return _('Neither SPF nor DKIM passed for the From domain, so the receiver applied your DMARC policy.')
    return _('The receiving server checked {method} and it did not pass.').format(method=METHOD_TITLES[method])


async def _signatures(raw: bytes, headers: list[str], from_domain: str, resolver: DnsResolver) -> list[Finding]:
    if not headers:
        return [
            Finding(
                'headers-signature',
                _('DKIM signature'),
                WARN,
                _('The email carries no DKIM signature.'),
                _('Without a signature, DMARC can only pass through SPF, and forwarding breaks SPF.'),
                _('Turn on DKIM for your domain at your mail service (see DKIM above).'),
            )
        ]
    body_pasted = bool(raw.partition(b'\r\n\r\n')[2].strip())
    return [
        await _verify(raw, index, from_domain, body_pasted, resolver)
        for index in range(min(len(headers), MAX_SIGNATURES))
    ]


async def _verify(raw: bytes, index: int, from_domain: str, body_pasted: bool, resolver: DnsResolver) -> Finding:
    """One signature, checked with dkimpy; the key comes from our resolver, handed to dkimpy as its dnsfunc."""
    title = _('DKIM signature')
    try:
        verifier = dkim.DKIM(raw, minkey=dkim_keys.MIN_RSA_BITS)
        prepared = verifier.verify_headerprep(index)
    except dkim.MessageFormatError as error:
        return Finding(
            'headers-signature',
            title,
            UNKNOWN,
            _('The signature cannot be checked: the paste is not an email as it was received ({error}).').format(
                error=error
            ),
            _('A line was changed or cut while copying.'),
            _(HOW_TO_PASTE),
        )
    except dkim.DKIMException as error:
        return Finding(
            'headers-signature', title, PROBLEM, _('A DKIM-Signature line cannot be read: {error}.').format(error=error)
        )
    if not prepared:
        return Finding('headers-signature', title, PROBLEM, _('A DKIM-Signature line cannot be read.'))
    signature, include_headers, signature_headers = prepared
    domain = signature[b'd'].decode('ascii', 'replace').lower()
    selector = signature[b's'].decode('ascii', 'replace')
    signer = _('{domain} (selector "{selector}")').format(domain=domain, selector=selector)
    details = {
        N_('Signed by'): domain,
        N_('Selector'): selector,
        N_('Key looked up at'): f'{selector}._domainkey.{domain}',
    }
    try:
        records = await resolver.txt(f'{selector}._domainkey.{domain}')
    except DnsUnavailable as error:
        return Finding(
            'headers-signature',
            title,
            UNKNOWN,
            _('Could not check the signature by {signer}: the DNS did not answer ({reason}).').format(
                signer=signer, reason=error.reason
            ),
            details=details,
        )
    record = next((text for text in records if 'p=' in text.replace(' ', '')), None)
    if record is None:
        return Finding(
            'headers-signature',
            title,
            PROBLEM,
            _('The email is signed by {signer}, but no key is published at {name}.').format(
                signer=signer, name=f'{selector}._domainkey.{domain}'
            ),
            _('Receivers cannot check the signature, so it counts as failed.'),
            _('Publish the DKIM record your mail service gives you, under exactly this name.'),
            details,
        )
    key = dkim_keys.read_key(selector, record)
    if not key.usable:
        why = _('withdrawn') if key.revoked else key.problem or _('only {bits} bits').format(bits=key.bits)
        return Finding(
            'headers-signature',
            title,
            PROBLEM,
            _('The key for the signature by {signer} cannot be used: {why}.').format(signer=signer, why=why),
            _('Receivers treat the signature as failed.'),
            _('Create a new 2048-bit DKIM key with your mail service and publish it.'),
            details,
        )
    if not body_pasted:
        signature = {name: value for name, value in signature.items() if name != b'bh'}
        details[N_('Body')] = _('not pasted: only the signed header lines were checked')

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes:
        return record.encode()

    try:
        verifier.pk, verifier.keysize, verifier.ktag, verifier.seqtlsrpt = dkim.load_pk_from_dns(b'', dnsfunc)
        valid = verifier.verify_sig_process(signature, include_headers, signature_headers[index], dnsfunc)
    except dkim.ValidationError as error:
        mismatch = (
            _('The signature by {signer} does not match: the body differs from what was signed.')
            if 'body hash' in str(error)
            else _('The signature by {signer} does not match: {error}.')
        )
        return Finding(
            'headers-signature',
            title,
            PROBLEM,
            mismatch.format(signer=signer, error=error),
            _(
                'Something changed the email after it was signed (a forwarding service, a footer or virus scanner), '
                'or the paste is not complete.'
            ),
            _('Paste the whole original email again; if it still fails, ask your mail service what changes it.'),
            details,
        )
    except dkim.DKIMException as error:
        return Finding(
            'headers-signature',
            title,
            PROBLEM,
            _('The signature by {signer} cannot be checked: {error}.').format(signer=signer, error=error),
        )
    if not valid:
        return Finding(
            'headers-signature',
            title,
            PROBLEM,
            _('The signature by {signer} does not match the email.').format(signer=signer),
            _('A signed header line was changed after signing, or the key in DNS is not the one that signed.'),
            _('Make sure the DKIM record in your DNS is the one your mail service shows now.'),
            details,
        )
    if from_domain and not aligned(domain, from_domain):
        return Finding(
            'headers-signature',
            title,
            WARN,
            _('The signature by {signer} is valid, but it is for {domain}, not for your domain {from_domain}.').format(
                signer=signer, domain=domain, from_domain=from_domain
            ),
            _('Your mail service signs with its own domain, so DKIM does not count for {from_domain}’s DMARC.').format(
                from_domain=from_domain
            ),
            _('Turn on DKIM for {from_domain} at your mail service and publish its key.').format(
                from_domain=from_domain
            ),
            details,
        )
    return Finding(
        'headers-signature',
        title,
        GOOD,
        _('The signature by {signer} is valid and matches your From domain.').format(signer=signer),
        _('Receivers can confirm the email really comes from your domain and was not changed on the way.'),
        '',
        details,
    )
