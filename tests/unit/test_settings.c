/* Settings (MS-ASCMD 2.2.1.18): DeviceInformation Set and UserInformation Get, the request and the
 * response in its 12.1/14.0 form (EmailAddresses/SMTPAddress) and its 14.1+ form (Accounts/Account/
 * EmailAddresses/PrimarySmtpAddress), fed whole and byte by byte. */
#include <string.h>

#include "check.h"
#include "eas/settings.h"
#include "eas/wbxml.h"
#include "wbxml_log.h"

static eas_err decode(const char *xml, size_t step, eas_settings_decoder *d)
{
    static uint8_t doc[4096];
    size_t n = xml_to_wbxml(xml, doc, sizeof doc);
    eas_wbxml_reader r;
    eas_err e = EAS_OK;
    if (n == 0) return EAS_ERR_ARG;
    eas_settings_decoder_init(d);
    eas_wbxml_reader_init(&r, &eas_settings_handler, d);
    for (size_t i = 0; i < n && e == EAS_OK; i += step) e = eas_wbxml_reader_feed(&r, doc + i, n - i < step ? n - i : step);
    if (e == EAS_OK) e = eas_wbxml_reader_finish(&r);
    return e == EAS_OK ? eas_settings_decoder_finish(d) : e;
}

TEST(settings_request_device_and_user_information)
{
    static uint8_t got[1024], want[1024];
    eas_device_info info = {"easagent-posix", "Room 4.12 display", "Linux 6.1", "easagent/0.2"};
    mem_sink m = {got, sizeof got, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    CHECK_OK(eas_settings_request_write(&w, &info, "English", 1));
    CHECK_OK(eas_wbxml_writer_finish(&w));
    size_t n = xml_to_wbxml("<Settings xmlns=\"Settings:\"><DeviceInformation><Set><Model>easagent-posix</Model>"
                            "<FriendlyName>Room 4.12 display</FriendlyName><OS>Linux 6.1</OS><OSLanguage>English"
                            "</OSLanguage><UserAgent>easagent/0.2</UserAgent></Set></DeviceInformation>"
                            "<UserInformation><Get/></UserInformation></Settings>", want, sizeof want);
    CHECK(n > 0 && n == m.len && memcmp(got, want, n) == 0);
    /* Only what is given; no UserInformation when not asked. */
    eas_device_info some = {"m", NULL, NULL, NULL};
    m.len = 0;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    CHECK_OK(eas_settings_request_write(&w, &some, NULL, 0));
    CHECK_OK(eas_wbxml_writer_finish(&w));
    n = xml_to_wbxml("<Settings xmlns=\"Settings:\"><DeviceInformation><Set><Model>m</Model></Set></DeviceInformation>"
                     "</Settings>", want, sizeof want);
    CHECK(n > 0 && n == m.len && memcmp(got, want, n) == 0);
}

TEST(settings_response_forms)
{
    static eas_settings_decoder d;
    static const char v141[] =
        "<Settings xmlns=\"Settings:\"><Status>1</Status><DeviceInformation><Status>1</Status></DeviceInformation>"
        "<UserInformation><Status>1</Status><Get><Accounts><Account><UserDisplayName>Chris Gray</UserDisplayName>"
        "<EmailAddresses><SMTPAddress>alias@woodgrovebank.com</SMTPAddress>"
        "<PrimarySmtpAddress>chris@woodgrovebank.com</PrimarySmtpAddress>"
        "<SMTPAddress>other@woodgrovebank.com</SMTPAddress></EmailAddresses></Account></Accounts></Get>"
        "</UserInformation></Settings>";
    static const char v140[] =
        "<Settings xmlns=\"Settings:\"><Status>1</Status><UserInformation><Status>1</Status><Get><EmailAddresses>"
        "<SMTPAddress>chris@woodgrovebank.com</SMTPAddress><SMTPAddress>alias@woodgrovebank.com</SMTPAddress>"
        "</EmailAddresses></Get></UserInformation><DeviceInformation><Status>2</Status></DeviceInformation></Settings>";
    for (size_t step = 1; step <= 64; step *= 2) {
        CHECK_OK(decode(v141, step, &d));
        CHECK_EQ(d.status, 1);
        CHECK_EQ(d.device_status, 1);
        CHECK_EQ(d.user_status, 1);
        CHECK_STR(d.address, "chris@woodgrovebank.com");
        CHECK_OK(decode(v140, step, &d));
        CHECK_EQ(d.device_status, 2);
        CHECK_STR(d.address, "chris@woodgrovebank.com");
    }
    /* A failed command: its status, no address; no status at all is a protocol error. */
    CHECK_OK(decode("<Settings xmlns=\"Settings:\"><Status>5</Status></Settings>", 1, &d));
    CHECK_EQ(d.status, 5);
    CHECK_STR(d.address, "");
    CHECK_EQ(decode("<Settings xmlns=\"Settings:\"><DeviceInformation><Status>1</Status></DeviceInformation></Settings>",
                    3, &d), EAS_ERR_PROTOCOL);
    CHECK_EQ(decode("<Settings xmlns=\"Settings:\"><Status>x</Status></Settings>", 1, &d), EAS_ERR_PROTOCOL);
    CHECK_EQ(decode("<Provision xmlns=\"Provision:\"><Status>1</Status></Provision>", 1, &d), EAS_ERR_PROTOCOL);
}
