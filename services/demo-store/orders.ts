// The demo business's orders, as its own system would hold them. Dates are ISO days; money is in
// the order's currency. Restarting the store brings them back to this state.

export interface DemoOrder {
  orderNumber: string;
  customerId: string;
  status: 'processing' | 'shipped' | 'delivered' | 'cancelled';
  placedAt: string;
  total: string;
  currency: string;
  carrier?: string;
  trackingNumber?: string;
  shippedAt?: string;
  estimatedDelivery?: string;
  deliveredAt?: string;
}

export function seedOrders(): DemoOrder[] {
  return [
    {
      orderNumber: '1001',
      customerId: 'cust-42',
      status: 'shipped',
      placedAt: '2026-11-26',
      total: '84.90',
      currency: 'GBP',
      carrier: 'Royal Mail',
      trackingNumber: 'RM482913375GB',
      shippedAt: '2026-11-28',
      estimatedDelivery: '2026-12-04',
    },
    { orderNumber: '1002', customerId: 'cust-42', status: 'processing', placedAt: '2026-12-01', total: '129.00', currency: 'GBP' },
    {
      orderNumber: '1003',
      customerId: 'cust-42',
      status: 'delivered',
      placedAt: '2026-11-02',
      total: '42.50',
      currency: 'GBP',
      carrier: 'DPD',
      trackingNumber: '15501234567890',
      shippedAt: '2026-11-03',
      estimatedDelivery: '2026-11-05',
      deliveredAt: '2026-11-05',
    },
    {
      orderNumber: '1004',
      customerId: 'cust-77',
      status: 'shipped',
      placedAt: '2026-11-29',
      total: '15.00',
      currency: 'GBP',
      carrier: 'DHL',
      trackingNumber: 'JD014600006281234567',
      shippedAt: '2026-11-30',
      estimatedDelivery: '2026-12-03',
    },
    { orderNumber: '1005', customerId: 'cust-77', status: 'processing', placedAt: '2026-12-02', total: '220.00', currency: 'GBP' },
  ];
}
