/**
 * Demo participant: a stock service whose reserve-stock action freezes, sells or releases stock through the fence.
 *
 * <p>This module is part of the fixed layout; its code arrives with the issue that builds it (see docs/roadmap.md).
 */
package io.tcc.demo.inventory;
