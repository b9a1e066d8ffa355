/* Internal to core/agent: the directory lookups (directory.c) as the agent's exchange needs them. */
#ifndef EAS_AGENT_DIRECTORY_H
#define EAS_AGENT_DIRECTORY_H

#include "eas/agent.h"

/* Whether op is one of the lookups. */
#define EAS_OP_IS_LOOKUP(op) ((op) == EAS_OP_GAL_SEARCH || (op) == EAS_OP_RESOLVE || (op) == EAS_OP_FETCH)

/* The command the lookup sends, from the server's MS-ASProtocolCommands (a->server_commands) and the
 * version: EAS_ERR_UNSUPPORTED, with the command in a->failure.cmd, when the server does not offer it. */
eas_err eas_dir_command(eas_agent *a, eas_cmd *cmd);
/* The decoder of a command's answer (its state: a->dec), NULL for others. */
const eas_wbxml_handler *eas_dir_handler(eas_cmd cmd);
/* For a->cmd: set the decoder up before the request goes out; write the request's body. */
void eas_dir_decoder_init(eas_agent *a);
eas_err eas_dir_body(eas_agent *a, eas_wbxml_writer *w);
/* After the whole answer: EAS_ERR_PROTOCOL when it was not the command's answer; its deciding status;
 * what a status other than the common ones means (EAS_OK: done). */
eas_err eas_dir_finish(const eas_agent *a);
uint32_t eas_dir_status(const eas_agent *a);
eas_err eas_dir_outcome(const eas_agent *a, uint32_t status);

#endif
