/**
 * The node's composition root: configuration, the {@code aquifer} command, and start and stop order
 * of every component.
 */
package io.aquifer.deploy;
