"""Will the mail land in the inbox? DNS findings for the From address's domain, and the received test email's headers.

`check.check_deliverability` reads SPF, DKIM, DMARC and reverse DNS through an injected `core.dns.DnsResolver`;
`headers.analyse_headers` reads a pasted test email. Both answer `findings.Finding` values, which the page and the
terminal only render. Import from the submodules.
"""
