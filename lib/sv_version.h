/*
 * StreamVault version: the one place both programs take it from.
 */

#ifndef SV_VERSION_H
#define SV_VERSION_H

#define STREAMVAULT_VERSION  "0.1.0"

#endif /* SV_VERSION_H */
