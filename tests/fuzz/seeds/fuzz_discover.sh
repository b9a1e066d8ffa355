#!/bin/sh
# Seeds for fuzz_discover: Autodiscover v1 answers of each kind (first byte 0), an SRV answer (1), and a
# machine run (2).
set -eu
out=$1
python3 - "$out" <<'PY'
import sys
docs = {
    "settings": '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="a"><Response xmlns="b"><Action><Settings>'
                '<Server><Type>CertEnroll</Type><Url>https://c/</Url></Server><Server><Type>MobileSync</Type>'
                '<Url> https://m.test/Microsoft-Server-ActiveSync </Url><Name>n</Name></Server></Settings></Action>'
                '</Response></Autodiscover>',
    "redirect": '<Autodiscover><Response><Action><Redirect>b@c.test</Redirect></Action></Response></Autodiscover>',
    "redirurl": '<Autodiscover><Response><Account><Action>redirectUrl</Action><RedirectUrl>https://x/'
                '</RedirectUrl></Account></Response></Autodiscover>',
    "error": '<Autodiscover><Response><Error><ErrorCode>600</ErrorCode></Error><Action><Error><Status>2</Status>'
             '</Error></Action></Response></Autodiscover>',
    "markup": '<?xml version="1.0"?><!--c--><a:Autodiscover xmlns:a="u"><a:Response q=\'>\'><![CDATA[x]]>&amp;&#x41;'
              '</a:Response></a:Autodiscover>',
}
for name, d in docs.items():
    open(f"{sys.argv[1]}/seed-{name}", "wb").write(b"\x00" + d.encode())
srv = bytes.fromhex("1234818000010001000000000c5f6175746f646973636f766572045f746370017804746573740000210001"
                    "c00c00210001000001 2c000d000a0005 20fb 046d61696c c01e".replace(" ", ""))
open(f"{sys.argv[1]}/seed-srv", "wb").write(b"\x01" + srv)
open(f"{sys.argv[1]}/seed-machine", "wb").write(bytes([2, 1, 0, 0, 1 + 64, 0, 2, 0, 3 + 64, 4 + 0x30]))
PY
