"""Stable cause codes for every way sending can fail, and the one place where failures are classified."""

from __future__ import annotations

import errno
import re
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.i18n import N_, _
from core.i18n.phrase import Phrase


class Cause(StrEnum):
    """Documented in docs/cause-codes.md; scripts rely on these values, so never rename one."""

    INVALID_INPUT = 'invalid-input'
    DNS_NOT_FOUND = 'dns-not-found'
    DNS_FAILED = 'dns-failed'
    CONNECTION_REFUSED = 'connection-refused'
    CONNECTION_TIMEOUT = 'connection-timeout'
    NETWORK_UNREACHABLE = 'network-unreachable'
    NO_GREETING = 'no-greeting'
    GREETING_REJECTED = 'greeting-rejected'
    TLS_MODE_MISMATCH = 'tls-mode-mismatch'
    STARTTLS_UNAVAILABLE = 'starttls-unavailable'
    TLS_HANDSHAKE_FAILED = 'tls-handshake-failed'
    CERT_SELF_SIGNED = 'cert-self-signed'
    CERT_UNTRUSTED = 'cert-untrusted'
    CERT_EXPIRED = 'cert-expired'
    CERT_HOSTNAME_MISMATCH = 'cert-hostname-mismatch'
    EHLO_REJECTED = 'ehlo-rejected'
    AUTH_UNAVAILABLE = 'auth-unavailable'
    AUTH_REJECTED = 'auth-rejected'
    APP_PASSWORD_REQUIRED = 'app-password-required'
    SMTP_AUTH_DISABLED = 'smtp-auth-disabled'
    BASIC_AUTH_DISABLED = 'basic-auth-disabled'
    AUTH_RATE_LIMITED = 'auth-rate-limited'
    AUTH_REQUIRES_TLS = 'auth-requires-tls'
    SENDER_REJECTED = 'sender-rejected'
    RECIPIENT_REJECTED = 'recipient-rejected'
    RELAY_DENIED = 'relay-denied'
    SIGN_IN_REQUIRED = 'sign-in-required'
    SMTPUTF8_UNAVAILABLE = 'smtputf8-unavailable'
    MESSAGE_TOO_LARGE = 'message-too-large'
    DATA_REJECTED = 'data-rejected'
    SERVER_DISCONNECTED = 'server-disconnected'
    TIMEOUT = 'timeout'
    OUTCOME_UNKNOWN = 'outcome-unknown'
    HTTP_FAILED = 'http-failed'
    HTTP_REJECTED = 'http-rejected'
    CANCELLED = 'cancelled'
    INTERNAL_ERROR = 'internal-error'
    SAVED_SECRET_UNREADABLE = 'saved-secret-unreadable'
    SAVED_SECRET_OTHER_CONNECTION = 'saved-secret-other-connection'
    OAUTH_SIGN_IN_AGAIN = 'oauth-sign-in-again'
    OAUTH_CONSENT_REQUIRED = 'oauth-consent-required'
    OAUTH_ADMIN_CONSENT_REQUIRED = 'oauth-admin-consent-required'
    OAUTH_CLIENT_INVALID = 'oauth-client-invalid'
    OAUTH_SCOPE_MISSING = 'oauth-scope-missing'
    OAUTH_PROVIDER_FAILED = 'oauth-provider-failed'
    OAUTH_TOKEN_REFUSED = 'oauth-token-refused'
    OAUTH_WRONG_ACCOUNT = 'oauth-wrong-account'


class Step(StrEnum):
    """The steps of sending, as the settings test shows them and a failure names where it happened."""

    INPUT = 'input'
    TOKEN = 'token'
    DNS = 'dns'
    CONNECT = 'connect'
    GREETING = 'greeting'
    EHLO = 'ehlo'
    TLS = 'tls'
    AUTH = 'auth'
    MAIL = 'mail'
    RCPT = 'rcpt'
    DATA = 'data'
    QUIT = 'quit'
    HTTP = 'http'


@dataclass(frozen=True)
class Failure:
    """A failure as data, the same for the settings test, the transports, the outbox and the email log: where it
    failed, the cause code, the server's reply, whether waiting may help, and whether the server may have taken the
    message all the same (its answer after the message data was lost). `reply` holds only the server's own words;
    `said` is what Mailroom has to add (what happened instead of a reply), worded when shown, so a log row reads in
    the language of whoever reads it."""

    step: Step
    cause: Cause
    reply: str
    transient: bool
    outcome_unknown: bool = False
    said: Phrase | None = None

    @property
    def reply_code(self) -> int | None:
        """The server's reply code (SMTP or HTTP), when the reply starts with one."""
        code = self.reply[:3]
        return int(code) if code.isdigit() and self.reply[3:4] in ('', ' ', '-') else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            'step': self.step.value,
            'cause': self.cause.value,
            'reply': self.reply,
            'transient': self.transient,
            'outcome_unknown': self.outcome_unknown,
        }
        return data | ({'said': self.said.to_dict()} if self.said else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        """Records from before `said` keep Mailroom's words in `reply`, in the language they were written in."""
        return cls(
            Step(data['step']),
            Cause(data['cause']),
            str(data.get('reply', '')),
            bool(data.get('transient', False)),
            bool(data.get('outcome_unknown', False)),
            Phrase.from_dict(data['said']) if data.get('said') else None,
        )


@dataclass(frozen=True)
class Explanation:
    """What happened, why, and what to do, in words for someone who is not a mail administrator. The tables below
    hold the English texts; `explain` words them in the current language when they are shown."""

    what: str
    why: str
    fix: str

    def text(self) -> str:
        return f'{self.what} {self.why} {self.fix}'


_E = Explanation
_EXPLANATIONS: dict[Cause, Explanation] = {
    Cause.INVALID_INPUT: _E(
        N_('The settings are incomplete or contradict each other.'),
        N_('The test cannot start until every field makes sense.'),
        N_('Correct the field named here, then try again.'),
    ),
    Cause.DNS_NOT_FOUND: _E(
        N_('The server name does not exist.'),
        N_('No computer on the internet answers to this name; it is usually a typing mistake.'),
        N_('Check the spelling of the server name against your provider’s help page (for example smtp.gmail.com).'),
    ),
    Cause.DNS_FAILED: _E(
        N_('The server name could not be looked up.'),
        N_('The name service (DNS) of this computer or network did not answer in time.'),
        N_('Check that this computer is online, then test again in a minute.'),
    ),
    Cause.CONNECTION_REFUSED: _E(
        N_('The server refused the connection on this port.'),
        N_('Nothing is listening on this port at that address, so the port number is probably wrong.'),
        N_('Check the port with your provider: usually 465 (SSL/TLS) or 587 (STARTTLS).'),
    ),
    Cause.CONNECTION_TIMEOUT: _E(
        N_('The server did not answer the connection attempt.'),
        N_(
            'Something between you and the server is silently dropping the connection: a firewall, an antivirus, '
            'or your network or provider blocking this port (port 25 is often blocked).'
        ),
        N_('Try port 587 or 465; if that fails too, check your firewall or antivirus, or try another network.'),
    ),
    Cause.NETWORK_UNREACHABLE: _E(
        N_('This computer has no route to the server.'),
        N_('The network is down, or the address family (IPv6 or IPv4) is not available here.'),
        N_('Check that this computer is online; if it is, ask whoever runs your network.'),
    ),
    Cause.NO_GREETING: _E(
        N_('The connection opened but the server never said hello.'),
        N_(
            'A mail server greets first; silence usually means the port expects another kind of connection, or a '
            'firewall or antivirus is holding the connection.'
        ),
        N_('Check the port and the security setting, and any antivirus that scans email.'),
    ),
    Cause.GREETING_REJECTED: _E(
        N_('The server answered but refused to talk to you.'),
        N_('It may be overloaded, or it does not accept connections from your network or address.'),
        N_('Wait a few minutes and test again; if it persists, give your provider the server reply shown below.'),
    ),
    Cause.TLS_MODE_MISMATCH: _E(
        N_('The security setting does not match what this port expects.'),
        N_(
            'One side started encryption (SSL/TLS) while the other waited for plain text (STARTTLS), or the other '
            'way round.'
        ),
        N_('Use SSL/TLS with port 465 and STARTTLS with port 587, or choose “Auto (by port)”.'),
    ),
    Cause.STARTTLS_UNAVAILABLE: _E(
        N_('The server did not offer encryption (STARTTLS), so Mailroom stopped before sending your password.'),
        N_(
            'Sending the password unencrypted would let anyone on the network read it; a missing STARTTLS can also '
            'be a sign that someone is tampering with the connection.'
        ),
        N_('Use port 465 with SSL/TLS, or ask your provider which port offers encryption.'),
    ),
    Cause.TLS_HANDSHAKE_FAILED: _E(
        N_('The encrypted connection could not be set up.'),
        N_('The server and this computer could not agree on encryption, or the connection was cut during the setup.'),
        N_('Check the port and the security setting; if they are right, give your provider the details shown below.'),
    ),
    Cause.CERT_SELF_SIGNED: _E(
        N_('The server’s certificate is self-signed.'),
        N_('Nobody vouches for it, so this computer cannot tell the real server from an impostor.'),
        N_(
            'With a well-known provider, do not continue: check the server name. With your own server, install a '
            'proper certificate, or tick “Do not verify TLS certificate”.'
        ),
    ),
    Cause.CERT_UNTRUSTED: _E(
        N_('The server’s certificate was issued by an authority this computer does not trust.'),
        N_('Its issuer is not in this computer’s list of trusted authorities (for example a company’s own authority).'),
        N_('Install your company’s certificate authority on this computer, or check that the server name is right.'),
    ),
    Cause.CERT_EXPIRED: _E(
        N_('The server’s certificate has expired (or is not valid yet).'),
        N_('A certificate is valid only between two dates; outside them the connection cannot be trusted.'),
        N_('Tell your provider or server administrator; also check that this computer’s date and time are right.'),
    ),
    Cause.CERT_HOSTNAME_MISMATCH: _E(
        N_('The server’s certificate belongs to another name.'),
        N_('The certificate does not list the server name you entered, so it may not be the server you meant.'),
        N_('Enter the server name exactly as your provider writes it (one of the names shown in the certificate).'),
    ),
    Cause.EHLO_REJECTED: _E(
        N_('The server refused the introduction (EHLO).'),
        N_('It did not accept the name this computer gave, or it does not speak modern SMTP.'),
        N_('Give your provider the server reply shown below.'),
    ),
    Cause.AUTH_UNAVAILABLE: _E(
        N_('The server does not offer a sign-in method Mailroom can use.'),
        N_('It lists no AUTH mechanism (or only ones Mailroom does not support) on this port.'),
        N_(
            'Check the port and security setting (many servers offer sign-in only after encryption starts), or ask '
            'your provider for the submission port.'
        ),
    ),
    Cause.AUTH_REJECTED: _E(
        N_('The server rejected the username or password.'),
        N_('The username, password or both are wrong, or the account does not allow signing in from email programs.'),
        N_('Check the username (often your full email address) and the password; some providers need an app password.'),
    ),
    Cause.APP_PASSWORD_REQUIRED: _E(
        N_('The provider wants an app password, not your normal password.'),
        N_('For safety, your provider does not let email programs use the password you sign in to its website with.'),
        N_('Create an app password in your account’s security settings and paste it into the Password field.'),
    ),
    Cause.SMTP_AUTH_DISABLED: _E(
        N_('Sending from email programs (SMTP AUTH) is switched off for this mailbox or organisation.'),
        N_(
            'Microsoft 365 lets administrators turn SMTP AUTH off, and then no sign-in works over SMTP, not even with '
            'Sign in with Microsoft; Microsoft turns it off by default for existing organisations from the end of '
            'December 2026.'
        ),
        N_(
            'Ask your Microsoft 365 administrator to enable “Authenticated SMTP” for this mailbox (in PowerShell: '
            'Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false), or use the HTTP protocol '
            'instead.'
        ),
    ),
    Cause.BASIC_AUTH_DISABLED: _E(
        N_('The provider no longer accepts a username and password from email programs.'),
        N_(
            'Microsoft is replacing password sign-in (basic authentication) with OAuth; Outlook.com personal accounts '
            'and many Microsoft 365 organisations already require it.'
        ),
        N_('Use the HTTP protocol, or another mail provider that allows app passwords, or ask your administrator.'),
    ),
    Cause.AUTH_RATE_LIMITED: _E(
        N_('The server is refusing sign-ins for now because of too many attempts.'),
        N_('After several failed or rapid sign-ins, providers pause the account to protect it.'),
        N_('Wait at least 15 minutes before testing again; do not retry in a loop, it only extends the pause.'),
    ),
    Cause.AUTH_REQUIRES_TLS: _E(
        N_('The server requires encryption before you sign in.'),
        N_('Your password would otherwise cross the network readable, so the server refuses.'),
        N_('Choose SSL/TLS (port 465) or STARTTLS (port 587) as the security setting.'),
    ),
    Cause.SENDER_REJECTED: _E(
        N_('The server refused the sender address.'),
        N_(
            'A mail server sends only from addresses that belong to the account you sign in with (or that the account '
            'may send as); whatever words it uses (“not owned by user”, “relaying disallowed”), this refusal is about '
            'the sender.'
        ),
        N_(
            'Send from the address of the account you sign in with (the Username, or the Email address field when the '
            'username is not an address), or ask your administrator for “send as” rights for this address.'
        ),
    ),
    Cause.RECIPIENT_REJECTED: _E(
        N_('The server refused the recipient address.'),
        N_('The address may be mistyped, or the mailbox does not exist (any more) or cannot take mail now.'),
        N_('Check the recipient address for typing mistakes; if it is right, ask the recipient for a current address.'),
    ),
    Cause.RELAY_DENIED: _E(
        N_('The server will not pass mail from this account on to the recipient’s domain.'),
        N_(
            'You are signed in, but this server delivers only to its own domains for your account, or the account is '
            'not allowed to send to outside addresses (“Relay access denied”).'
        ),
        N_(
            'Ask your email administrator or provider to let this account send to outside addresses, or use the '
            'server they name for sending. To test the other settings meanwhile, send the test to an address at your '
            'own domain.'
        ),
    ),
    Cause.SIGN_IN_REQUIRED: _E(
        N_('The server passes mail on only for signed-in accounts, and Mailroom did not sign in.'),
        N_(
            'Without a sign-in the server treats the connection as a stranger’s and takes mail only for its own '
            'addresses (“Relay access denied”, “Authentication required”).'
        ),
        N_('Enter the Username and Password of your email account, then try again.'),
    ),
    Cause.SMTPUTF8_UNAVAILABLE: _E(
        N_('The mail server cannot take an address with letters beyond English before the @ (like jörg@example.de).'),
        N_('Such addresses need the SMTPUTF8 extension, and this server does not offer it; nothing was sent.'),
        N_(
            'Use a plain-letter address for this person (for example joerg@example.de), or send through a mail service '
            'that supports international addresses.'
        ),
    ),
    Cause.MESSAGE_TOO_LARGE: _E(
        N_('The message is larger than the server accepts.'),
        N_('Every mail server has a size limit per message (attachments count, and grow by a third when sent).'),
        N_('Send smaller attachments, or split them over several emails.'),
    ),
    Cause.DATA_REJECTED: _E(
        N_('The server refused the message itself.'),
        N_('It may have looked like spam, or broken a policy of the provider.'),
        N_('Give your provider the server reply shown below.'),
    ),
    Cause.SERVER_DISCONNECTED: _E(
        N_('The server closed the connection unexpectedly.'),
        N_('It may have hit an internal error, or a firewall or antivirus cut the connection.'),
        N_('Test again; if it keeps happening, check your antivirus or give your provider the transcript.'),
    ),
    Cause.TIMEOUT: _E(
        N_('The server stopped answering.'),
        N_('It is too slow or overloaded, or the connection is being held somewhere on the way.'),
        N_('Test again in a few minutes; if it persists, try another port or network.'),
    ),
    Cause.OUTCOME_UNKNOWN: _E(
        N_('The server stopped answering after it had received the whole message.'),
        N_('It may or may not have taken it: Mailroom cannot tell, so it did not send it again on its own.'),
        N_(
            'Ask the recipient (or look in your Sent folder) whether it arrived; press Retry only if it did not, '
            'or they may get it twice.'
        ),
    ),
    Cause.HTTP_FAILED: _E(
        N_('The HTTP email service failed to handle the request.'),
        N_('The service had an internal problem or gave an answer Mailroom could not read.'),
        N_('Test again later; if it persists, check the HTTP server address.'),
    ),
    Cause.HTTP_REJECTED: _E(
        N_('The HTTP email service refused the request.'),
        N_('The address may be wrong, or the service does not accept the fields Mailroom sent.'),
        N_('Check the HTTP server address (for example https://email.manager.io) and the reply-to address.'),
    ),
    Cause.CANCELLED: _E(
        N_('The test was cancelled.'),
        N_('It was stopped before it finished.'),
        N_('Start the test again when you are ready.'),
    ),
    Cause.INTERNAL_ERROR: _E(
        N_('Mailroom ran into a problem of its own while sending this email.'),
        N_('This is a fault in Mailroom, not in your email settings or at the mail server.'),
        N_('Press Retry; if it happens again, restart Mailroom and report the problem with its log.'),
    ),
    Cause.SAVED_SECRET_UNREADABLE: _E(
        N_('The saved password can no longer be read.'),
        N_(
            'The key that encrypts it (the file secret.key in the data folder, or MAILROOM_SECRET_KEY) is missing or '
            'has changed, so nothing was sent; waiting emails stay in the queue.'
        ),
        N_('Enter the password (or access token) again on the Email settings page and press Update.'),
    ),
    Cause.SAVED_SECRET_OTHER_CONNECTION: _E(
        N_('The saved password was not used.'),
        N_(
            'It was saved for another connection (server, port, connection security, certificate check or username), '
            'and Mailroom never sends a password to a connection it was not given for.'
        ),
        N_('Enter the password (or access token) again on the Email settings page, press Update, then Retry.'),
    ),
    Cause.OAUTH_SIGN_IN_AGAIN: _E(
        N_('Your sign-in with the provider has ended, so Mailroom cannot get a token to send with.'),
        N_(
            'The provider no longer accepts the saved sign-in: it was revoked (password changed, access removed, '
            'signed out) or expired (Microsoft after 90 days unused; Google after 7 days while your app is in '
            '“Testing”).'
        ),
        N_(
            'Open Email settings, press Sign in again, then Update. Emails waiting in the outbox go as soon as you '
            'have.'
        ),
    ),
    Cause.OAUTH_CONSENT_REQUIRED: _E(
        N_('The provider did not give Mailroom permission to send mail for this account.'),
        N_(
            'Consent was declined, or the app registration has not been granted the permission to send mail (SMTP.Send '
            'for Microsoft, https://mail.google.com/ for Google).'
        ),
        N_(
            'Press Sign in again and accept the permission on the provider’s page; if it is not offered, add the '
            'scope to your app registration as the provider card shows.'
        ),
    ),
    Cause.OAUTH_ADMIN_CONSENT_REQUIRED: _E(
        N_('Your organisation’s administrator must approve the app before you can sign in.'),
        N_(
            'Many Microsoft 365 organisations let only administrators allow an app to send mail for its users (“Need '
            'admin approval”).'
        ),
        N_(
            'Ask your administrator to grant admin consent to your app registration (Enterprise applications → your '
            'app → Permissions → Grant admin consent), then press Sign in again.'
        ),
    ),
    Cause.OAUTH_CLIENT_INVALID: _E(
        N_('The provider does not accept the app registration’s client ID or client secret.'),
        N_(
            'The client ID is mistyped, the client secret is wrong or expired, or the registration does not allow this '
            'kind of sign-in (for Microsoft: “Allow public client flows” for the code on another device).'
        ),
        N_(
            'Copy the client ID (and client secret) again from your app registration into Email settings, then press '
            'Sign in.'
        ),
    ),
    Cause.OAUTH_SCOPE_MISSING: _E(
        N_('The sign-in did not include the permission to send mail.'),
        N_(
            'The provider granted fewer permissions than asked: the app registration lacks the mail scope, or it was '
            'not accepted on the consent page.'
        ),
        N_(
            'Add the scope shown on the provider card to your app registration, then press Sign in again and accept it.'
        ),
    ),
    Cause.OAUTH_PROVIDER_FAILED: _E(
        N_('The provider’s sign-in service could not be reached or did not answer properly.'),
        N_('This computer is offline, a firewall or proxy blocks the provider, or the provider has a passing fault.'),
        N_(
            'Check that this computer is online and test again in a few minutes; waiting emails are retried on their '
            'own.'
        ),
    ),
    Cause.OAUTH_TOKEN_REFUSED: _E(
        N_('The mail server refused the sign-in token.'),
        N_(
            'The token was not made for sending mail from this mailbox: a missing scope, another account, or a token '
            'the provider has withdrawn.'
        ),
        N_(
            'Check that the Username is the account you signed in with (or a mailbox it may send as), then press Sign '
            'in again.'
        ),
    ),
    Cause.OAUTH_WRONG_ACCOUNT: _E(
        N_('The mail server refused the sign-in: you signed in with another account than the Username.'),
        N_('A token lets only the account it was made for send mail (or mailboxes that account may send as).'),
        N_(
            'Press Sign in again and choose the account in the Username field (for Microsoft 365: the mailbox that '
            'sends, not an administrator account), or give that account “send as” rights for the mailbox.'
        ),
    ),
}

# The same cause, told where it happened: a step's own words come before the general ones.
_STEP_EXPLANATIONS: dict[tuple[Cause, str], Explanation] = {
    (Cause.TLS_MODE_MISMATCH, 'greeting'): _E(
        N_(
            'This port starts encryption at once (SSL/TLS), but Mailroom waited for the server to say hello first '
            '(STARTTLS).'
        ),
        N_(
            'A server on such a port says nothing until the encryption is set up, so its greeting never came. “Auto '
            '(by port)” uses STARTTLS on every port except 465.'
        ),
        N_('Set Connection security to SSL/TLS and keep the port.'),
    ),
    (Cause.TLS_MODE_MISMATCH, 'tls'): _E(
        N_('This port starts in plain text, but Mailroom started encryption at once (SSL/TLS).'),
        N_('The server expects STARTTLS: it greets in plain text and switches to encryption when asked.'),
        N_(
            'Set Connection security to STARTTLS (on ports 587 and 25 “Auto (by port)” does this), or use port 465 '
            'with SSL/TLS.'
        ),
    ),
}

# HTTP has no SMTP ports or security setting: these causes are told in the HTTP page's words.
_HTTP_EXPLANATIONS: dict[Cause, Explanation] = {
    Cause.DNS_NOT_FOUND: _E(
        N_('The server name in the HTTP server address does not exist.'),
        N_('No computer on the internet answers to this name; it is usually a typing mistake.'),
        N_('Check the spelling of the HTTP server address (for example https://email.manager.io).'),
    ),
    Cause.CONNECTION_REFUSED: _E(
        N_('The HTTP email service refused the connection.'),
        N_('Nothing is listening at that address and port, so the address or its port is probably wrong.'),
        N_(
            'Check the HTTP server address, including any port after the name (without one, https:// uses port 443 '
            'and http:// port 80).'
        ),
    ),
    Cause.CONNECTION_TIMEOUT: _E(
        N_('The HTTP email service did not answer the connection attempt.'),
        N_(
            'Something between you and the service is silently dropping the connection (a firewall, an antivirus or a '
            'proxy), or the address points at the wrong place.'
        ),
        N_('Check the HTTP server address; if it is right, check your firewall or antivirus, or try another network.'),
    ),
    Cause.TLS_MODE_MISMATCH: _E(
        N_('The address starts with https://, but the service answered without encryption.'),
        N_('At this address and port the service speaks plain HTTP, or it is not a web service at all.'),
        N_('Use the HTTP server address exactly as the service gives it (https:// or http://, and the right port).'),
    ),
    Cause.TLS_HANDSHAKE_FAILED: _E(
        N_('The encrypted (HTTPS) connection could not be set up.'),
        N_('The service and this computer could not agree on encryption, or the connection was cut during the setup.'),
        N_(
            'Check the HTTP server address (https:// and the port); if it is right, give whoever runs the service the '
            'details shown below.'
        ),
    ),
    Cause.CERT_SELF_SIGNED: _E(
        N_('The HTTP email service’s certificate is self-signed.'),
        N_('Nobody vouches for it, so this computer cannot tell the real service from an impostor.'),
        N_(
            'With a public service, do not continue: check the HTTP server address. With your own service, give it a '
            'certificate from a trusted authority (for example Let’s Encrypt).'
        ),
    ),
    Cause.CERT_UNTRUSTED: _E(
        N_('The HTTP email service’s certificate was issued by an authority this computer does not trust.'),
        N_('Its issuer is not in this computer’s list of trusted authorities (for example a company’s own authority).'),
        N_(
            'Install your company’s certificate authority on this computer, or check that the HTTP server address is '
            'right.'
        ),
    ),
    Cause.CERT_HOSTNAME_MISMATCH: _E(
        N_('The HTTP email service’s certificate belongs to another name.'),
        N_(
            'The certificate does not list the name in the HTTP server address, so it may not be the service you meant.'
        ),
        N_('Enter the HTTP server address with one of the names the certificate lists (shown with the TLS step).'),
    ),
    Cause.SERVER_DISCONNECTED: _E(
        N_('The HTTP email service closed the connection unexpectedly.'),
        N_('It may have hit an internal error, or a proxy, firewall or antivirus cut the connection.'),
        N_(
            'Test again; if it keeps happening, check your proxy or antivirus, or give whoever runs the service the '
            'transcript.'
        ),
    ),
    Cause.TIMEOUT: _E(
        N_('The HTTP email service stopped answering.'),
        N_('It is too slow or overloaded, or the connection is being held somewhere on the way.'),
        N_('Test again in a few minutes; if it persists, check the HTTP server address or try another network.'),
    ),
}

# Causes where the provider's own instructions (app password steps and notes) are what the user needs.
_PROVIDER_ADVICE = frozenset(
    {Cause.AUTH_REJECTED, Cause.APP_PASSWORD_REQUIRED, Cause.SMTP_AUTH_DISABLED, Cause.BASIC_AUTH_DISABLED}
)


def explain(cause: Cause, *, reply: str = '', host: str = '', step: str = '', http: bool = False) -> Explanation:
    """The plain-words explanation in the words of the step (and protocol) where it failed, with the provider's own
    instructions when the host is a known provider. The `http` step, or `http=True`, means the HTTP protocol."""
    base = _EXPLANATIONS[cause]
    if http or step == 'http':
        base = _HTTP_EXPLANATIONS.get(cause, base)
    else:
        base = _STEP_EXPLANATIONS.get((cause, step), base)
    fix = _(base.fix)
    if cause in _PROVIDER_ADVICE and (advice := _provider_advice(host)):
        fix = f'{fix} {advice}'
    if reply:
        fix = f'{fix} ' + _('(Server reply: {reply})').format(reply=reply.strip())
    return Explanation(_(base.what), _(base.why), fix)


def _provider_advice(host: str) -> str:
    """The provider's steps, if core.providers knows the host; it is optional so this module stands alone."""
    try:
        from core.providers import detect_provider
    except ImportError:
        return ''
    provider = detect_provider(host=host) if host else None
    if provider is None:
        return ''
    steps = ' '.join(f'{n}. {_(step)}' for n, step in enumerate(provider.steps, start=1))
    notes = ' '.join(_(note) for note in provider.notes)
    heading = _('For {provider}:').format(provider=provider.name)
    return ' '.join(part for part in (heading, steps, notes) if part.strip(' :')).strip()


_OAUTH_ERRORS: tuple[tuple[re.Pattern[str], Cause], ...] = (
    (
        re.compile(r'AADSTS90094|AADSTS90095|AADSTS900941|admin[ _-]?(consent|approval)', re.I),
        Cause.OAUTH_ADMIN_CONSENT_REQUIRED,
    ),
    (
        re.compile(r'AADSTS65001|consent_required|interaction_required|access_denied', re.I),
        Cause.OAUTH_CONSENT_REQUIRED,
    ),
    (
        re.compile(r'AADSTS700016|AADSTS7000215|AADSTS7000218|AADSTS7000222|invalid_client|unauthorized_client', re.I),
        Cause.OAUTH_CLIENT_INVALID,
    ),
    (re.compile(r'invalid_grant|expired_token|AADSTS70008|AADSTS700082|AADSTS50173', re.I), Cause.OAUTH_SIGN_IN_AGAIN),
    (re.compile(r'invalid_scope|AADSTS70011', re.I), Cause.OAUTH_SCOPE_MISSING),
)


def classify_oauth_error(error: str, description: str = '') -> Cause:
    """A provider's OAuth error answer (RFC 6749 5.2, with Microsoft's AADSTS codes in the description)."""
    text = f'{error} {description}'
    return next((cause for pattern, cause in _OAUTH_ERRORS if pattern.search(text)), Cause.OAUTH_PROVIDER_FAILED)


_XOAUTH2_REPLIES: tuple[tuple[re.Pattern[str], Cause], ...] = (
    (
        re.compile(r'SmtpClientAuthentication is disabled|SMTP ?AUTH is disabled|5\.7\.139', re.I),
        Cause.SMTP_AUTH_DISABLED,
    ),
    (re.compile(r'too many|rate limit|try again later', re.I), Cause.AUTH_RATE_LIMITED),
)


def classify_xoauth2_refusal(code: int, text: str, *, other_account: bool) -> Cause:
    """A refused XOAUTH2 sign-in: with a token, 5.7.139 means SMTP AUTH is off for the mailbox (not basic auth), and
    a plain refusal means the token does not fit the mailbox, named as the wrong account when the token says so."""
    if code in (421, 454):
        return Cause.AUTH_RATE_LIMITED
    found = next((cause for pattern, cause in _XOAUTH2_REPLIES if pattern.search(f'{code} {text}')), None)
    if found is not None:
        return found
    return Cause.OAUTH_WRONG_ACCOUNT if other_account else Cause.OAUTH_TOKEN_REFUSED


# (reply codes or None for any, pattern in the reply text or None for any, steps or None for any, signed in or not
# or None for either, cause). The first row that matches wins, so the most specific rows come first.
_ReplyRule = tuple[frozenset[int] | None, re.Pattern[str] | None, frozenset[str] | None, bool | None, Cause]


def _rule(
    codes: set[int] | None, pattern: str | None, steps: set[str] | None, cause: Cause, *, signed_in: bool | None = None
) -> _ReplyRule:
    return (
        frozenset(codes) if codes else None,
        re.compile(pattern, re.IGNORECASE) if pattern else None,
        frozenset(steps) if steps else None,
        signed_in,
        cause,
    )


_SENDER_WORDS = r'SendAs|send as|not owned|permission to send|5\.7\.60|sender address rejected'
_NOT_SIGNED_IN_WORDS = r'authentication required|not authenticated|must authenticate|authenticate first'
_REPLY_RULES: tuple[_ReplyRule, ...] = (
    _rule(None, r'5\.7\.9\b|application-specific password|app password', None, Cause.APP_PASSWORD_REQUIRED),
    _rule(None, r'SmtpClientAuthentication is disabled|SMTP ?AUTH is disabled', None, Cause.SMTP_AUTH_DISABLED),
    _rule(None, r'basic authentication is disabled|5\.7\.139', None, Cause.BASIC_AUTH_DISABLED),
    _rule(None, r'too many|rate limit|try again later|AUTH005', {'auth'}, Cause.AUTH_RATE_LIMITED),
    _rule({454, 421}, None, {'auth'}, Cause.AUTH_RATE_LIMITED),
    _rule({538}, None, None, Cause.AUTH_REQUIRES_TLS),
    _rule({530}, r'STARTTLS|TLS|encrypt', None, Cause.AUTH_REQUIRES_TLS),
    _rule({552}, None, {'mail', 'data', 'rcpt'}, Cause.MESSAGE_TOO_LARGE),
    _rule(None, r'size|too (large|big)|5\.3\.4', {'mail', 'data'}, Cause.MESSAGE_TOO_LARGE),
    # Postfix checks the sender only once the recipient is given: "553 5.7.1 <a@b>: Sender address rejected: ...".
    _rule(None, _SENDER_WORDS, None, Cause.SENDER_REJECTED),
    _rule(None, _NOT_SIGNED_IN_WORDS, {'mail'}, Cause.SIGN_IN_REQUIRED, signed_in=False),
    _rule(None, rf'relay|{_NOT_SIGNED_IN_WORDS}', {'rcpt'}, Cause.SIGN_IN_REQUIRED, signed_in=False),
    _rule(None, r'relay', {'rcpt'}, Cause.RELAY_DENIED),
    _rule(None, None, {'greeting', 'connect'}, Cause.GREETING_REJECTED),
    _rule(None, None, {'ehlo'}, Cause.EHLO_REJECTED),
    _rule(None, None, {'tls'}, Cause.STARTTLS_UNAVAILABLE),
    _rule(None, None, {'auth'}, Cause.AUTH_REJECTED),
    _rule(None, None, {'mail'}, Cause.SENDER_REJECTED),  # whatever the words ("relaying disallowed" too)
    _rule(None, None, {'rcpt'}, Cause.RECIPIENT_REJECTED),
    _rule(None, None, {'data'}, Cause.DATA_REJECTED),
)


def classify_reply(code: int, text: str, step: str, *, signed_in: bool = True) -> Cause:
    """Classify a server reply (code and text) received during a step; `signed_in` says whether AUTH succeeded."""
    if step == 'http':
        return Cause.HTTP_REJECTED if 400 <= code < 500 else Cause.HTTP_FAILED
    for codes, pattern, steps, when_signed_in, cause in _REPLY_RULES:
        applies = (codes is None or code in codes) and (steps is None or step in steps)
        applies = applies and when_signed_in in (None, signed_in)
        if applies and (pattern is None or pattern.search(f'{code} {text}')):
            return cause
    return Cause.DATA_REJECTED if step in ('send', 'quit') else Cause.SERVER_DISCONNECTED


def failed_step(cause: Cause, step: str) -> Step:
    """The step a failure belongs to: a sender refused when the recipient was given is the sender step's failure."""
    return Step.MAIL if cause is Cause.SENDER_REJECTED and step == Step.RCPT else Step(step)


# Texts aiosmtplib raises without a server reply.
_MESSAGE_RULES: tuple[tuple[re.Pattern[str], Cause], ...] = (
    (re.compile(r'STARTTLS extension not supported', re.IGNORECASE), Cause.STARTTLS_UNAVAILABLE),
    (re.compile(r'AUTH extension not supported|No suitable authentication', re.IGNORECASE), Cause.AUTH_UNAVAILABLE),
    (re.compile(r'ready message|waiting for server ready', re.IGNORECASE), Cause.NO_GREETING),
)

# OpenSSL verify codes (X509_V_ERR_*) -> cause.
_CERT_VERIFY_CODES = {
    9: Cause.CERT_EXPIRED,  # not yet valid
    10: Cause.CERT_EXPIRED,
    18: Cause.CERT_SELF_SIGNED,
    19: Cause.CERT_SELF_SIGNED,
    20: Cause.CERT_UNTRUSTED,
    21: Cause.CERT_UNTRUSTED,
    62: Cause.CERT_HOSTNAME_MISMATCH,
    64: Cause.CERT_HOSTNAME_MISMATCH,
}

_UNREACHABLE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.ENETDOWN})
_DISCONNECT_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})
_TLS_MISMATCH_REASONS = frozenset({'WRONG_VERSION_NUMBER', 'UNKNOWN_PROTOCOL', 'HTTP_REQUEST', 'RECORD_LAYER_FAILURE'})


def classify_smtp_error(exc: BaseException, step: str, *, signed_in: bool = True) -> Cause:
    """Map an aiosmtplib, OSError, ssl or timeout exception raised during `step` to its cause; the caller knows the
    step (the command under way), so the exception's class never decides it."""
    code, text = smtp_reply(exc)
    if code is not None:
        return classify_reply(code, text, step, signed_in=signed_in)
    if getattr(exc, 'code', None) == -1:  # aiosmtplib's mark for a line that is no SMTP reply (an SSH server, say)
        return Cause.NO_GREETING if step == 'greeting' else Cause.SERVER_DISCONNECTED
    for pattern, cause in _MESSAGE_RULES:
        if pattern.search(str(exc)):
            return cause
    root = _root_cause(exc)
    return _classify_os_error(root, step) or _classify_os_error(exc, step) or Cause.SERVER_DISCONNECTED


def _classify_os_error(exc: BaseException, step: str) -> Cause | None:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _CERT_VERIFY_CODES.get(exc.verify_code, Cause.CERT_UNTRUSTED)
    if isinstance(exc, ssl.SSLError):
        return Cause.TLS_MODE_MISMATCH if exc.reason in _TLS_MISMATCH_REASONS else Cause.TLS_HANDSHAKE_FAILED
    if isinstance(exc, socket.gaierror):
        return Cause.DNS_NOT_FOUND if exc.errno in (socket.EAI_NONAME, socket.EAI_NODATA) else Cause.DNS_FAILED
    if isinstance(exc, TimeoutError):
        return {'connect': Cause.CONNECTION_TIMEOUT, 'greeting': Cause.NO_GREETING}.get(step, Cause.TIMEOUT)
    if isinstance(exc, ConnectionRefusedError):
        return Cause.CONNECTION_REFUSED
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return Cause.NETWORK_UNREACHABLE
    if isinstance(exc, ConnectionError | EOFError) or (isinstance(exc, OSError) and exc.errno in _DISCONNECT_ERRNOS):
        return Cause.SERVER_DISCONNECTED
    return None


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    while (nxt := exc.__cause__ or exc.__context__) is not None and id(nxt) not in seen:
        seen.add(id(exc))
        exc = nxt
    return exc


def smtp_reply(exc: BaseException) -> tuple[int | None, str]:
    """The server's reply code and text carried by an aiosmtplib exception (first refused recipient if several)."""
    recipients = getattr(exc, 'recipients', None)
    if isinstance(recipients, list) and recipients:
        exc = recipients[0]
    code = getattr(exc, 'code', None)
    if isinstance(code, int) and 100 <= code <= 599:
        return code, str(getattr(exc, 'message', '') or '')
    return None, ''


# The causes only an SMTP conversation can produce; every other cause can end an HTTP test or send as well.
SMTP_ONLY_CAUSES = frozenset(
    {
        Cause.NO_GREETING,
        Cause.GREETING_REJECTED,
        Cause.STARTTLS_UNAVAILABLE,
        Cause.EHLO_REJECTED,
        Cause.AUTH_UNAVAILABLE,
        Cause.AUTH_REJECTED,
        Cause.APP_PASSWORD_REQUIRED,
        Cause.SMTP_AUTH_DISABLED,
        Cause.BASIC_AUTH_DISABLED,
        Cause.AUTH_RATE_LIMITED,
        Cause.AUTH_REQUIRES_TLS,
        Cause.SENDER_REJECTED,
        Cause.RECIPIENT_REJECTED,
        Cause.RELAY_DENIED,
        Cause.SIGN_IN_REQUIRED,
        Cause.SMTPUTF8_UNAVAILABLE,
        Cause.MESSAGE_TOO_LARGE,
        Cause.DATA_REJECTED,
        # The sign-in with a provider (XOAUTH2) is for SMTP only.
        Cause.OAUTH_SIGN_IN_AGAIN,
        Cause.OAUTH_CONSENT_REQUIRED,
        Cause.OAUTH_ADMIN_CONSENT_REQUIRED,
        Cause.OAUTH_CLIENT_INVALID,
        Cause.OAUTH_SCOPE_MISSING,
        Cause.OAUTH_PROVIDER_FAILED,
        Cause.OAUTH_TOKEN_REFUSED,
        Cause.OAUTH_WRONG_ACCOUNT,
    }
)
_ABOUT_ONE_MESSAGE = frozenset(
    {
        Cause.RECIPIENT_REJECTED,
        Cause.RELAY_DENIED,
        Cause.SMTPUTF8_UNAVAILABLE,
        Cause.MESSAGE_TOO_LARGE,
        Cause.DATA_REJECTED,
    }
)
_REACHING_THE_SERVER = frozenset(
    {
        Cause.DNS_NOT_FOUND,
        Cause.DNS_FAILED,
        Cause.CONNECTION_REFUSED,
        Cause.CONNECTION_TIMEOUT,
        Cause.NETWORK_UNREACHABLE,
        Cause.TLS_MODE_MISMATCH,
        Cause.TLS_HANDSHAKE_FAILED,
        Cause.CERT_SELF_SIGNED,
        Cause.CERT_UNTRUSTED,
        Cause.CERT_EXPIRED,
        Cause.CERT_HOSTNAME_MISMATCH,
    }
)
# Failures of the connection or the account rather than of one message: every other message would meet them too.
SESSION_CAUSES = _REACHING_THE_SERVER | (SMTP_ONLY_CAUSES - _ABOUT_ONE_MESSAGE)

_TRANSIENT_CAUSES = frozenset(
    {
        Cause.DNS_FAILED,
        Cause.CONNECTION_REFUSED,
        Cause.CONNECTION_TIMEOUT,
        Cause.NETWORK_UNREACHABLE,
        Cause.NO_GREETING,
        Cause.AUTH_RATE_LIMITED,
        Cause.SERVER_DISCONNECTED,
        Cause.TIMEOUT,
        Cause.HTTP_FAILED,
        Cause.OAUTH_PROVIDER_FAILED,
    }
)


# HTTP statuses that mean 'later' rather than 'never'.
_TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def is_transient(cause: Cause, reply_code: int | None = None) -> bool:
    """Worth retrying later: a 4xx reply, a timeout or a connection problem. 5xx SMTP replies are permanent."""
    if reply_code is None or not 400 <= reply_code < 600:
        return cause in _TRANSIENT_CAUSES
    if cause in (Cause.HTTP_FAILED, Cause.HTTP_REJECTED):
        return reply_code in _TRANSIENT_HTTP_STATUSES
    return reply_code < 500
