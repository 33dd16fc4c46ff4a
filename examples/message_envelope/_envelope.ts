/**
 * The messages of the envelope example: typed JSON bodies, told apart by a `message_type` header.
 * @module
 */

/** A new order. */
export interface OrderCreated {
  orderId: number;
  currency: string;
  total: number;
}

/** An order that was confirmed. */
export interface OrderConfirmed {
  orderId: number;
  confirmedAt: string;
}

/** An order that was rejected. */
export interface OrderRejected {
  orderId: number;
  reason: string;
}

/** The header that names the body's type. */
export const TYPE_HEADER = "message_type";

/** Every message type and its body. */
export interface Envelopes {
  order_created: OrderCreated;
  order_confirmed: OrderConfirmed;
  order_rejected: OrderRejected;
}
