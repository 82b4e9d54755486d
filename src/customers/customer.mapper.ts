import type { CustomerEntity } from './customer.entity';
import type { CustomerDto } from './dto/customer.dto';

export function toCustomerDto(customer: CustomerEntity): CustomerDto {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    date_created: new Date(customer.date_created).toISOString(),
    date_modified: new Date(customer.date_modified).toISOString(),
  };
}
