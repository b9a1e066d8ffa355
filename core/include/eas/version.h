/* The release of easagent: what eas-agent --version says and the default User-Agent carries. */
#ifndef EAS_VERSION_H
#define EAS_VERSION_H

#define EAS_RELEASE "0.1"

#endif
